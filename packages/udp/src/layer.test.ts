import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError, type IcmpErrorKind, type IpErrorInfo, type UdpConfig, type UdpDatagram } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { fromHex, ipv4, readU16, toHex } from '@stack/wire';
import { FakeIp, LOCAL, PEER, ipv4Datagram } from '@stack/testkit/fake-ip';
import { createUdp } from './layer.js';
import { emitUdp, parseUdp } from './wire/udp.js';

const BCAST = ipv4('10.77.0.255');

function setup(config: UdpConfig = {}, seed = 1) {
  const ip = new FakeIp();
  const scheduler = new SimScheduler();
  const random = new SeededRandom(seed);
  const icmpSent: { kind: IcmpErrorKind; original: Uint8Array }[] = [];
  const icmp = { sendError: (kind: IcmpErrorKind, original: Uint8Array) => (icmpSent.push({ kind, original: original.slice() }), true) };
  const udp = createUdp(ip, { scheduler, random, icmp }, config);
  return { ip, scheduler, udp, icmpSent };
}

/** A UDP datagram inside an IPv4 datagram. */
function udpDatagram(srcPort: number, dstPort: number, payload: Uint8Array, src = PEER, dst = LOCAL, checksum = true): Uint8Array {
  const udp = new Uint8Array(8 + payload.length);
  emitUdp({ srcPort, dstPort, length: udp.length }, udp, 0, { src, dst, payload, checksum });
  return ipv4Datagram({ src, dst, protocol: 17, payload: udp, ttl: 57 });
}

function expectStackError(f: () => unknown, code: string, message?: RegExp): void {
  try {
    f();
  } catch (e) {
    expect(isStackError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

const text = (s: string) => new TextEncoder().encode(s);

describe('bind, send, receive', () => {
  it('registers for protocol 17', () => {
    const { ip, udp } = setup();
    expect(ip.handlers.get(17)).toBe(udp);
  });

  it('delivers a datagram to the bound port with its addresses, ports and TTL', () => {
    const { ip, udp } = setup();
    const got: UdpDatagram[] = [];
    udp.bind(7, (d) => got.push({ ...d, data: d.data.slice() }));
    ip.deliver(udpDatagram(40000, 7, text('hello')));
    expect(got).toEqual([{ data: text('hello'), src: PEER, srcPort: 40000, dst: LOCAL, dstPort: 7, ttl: 57 }]);
    expect(udp.stats.rx).toBe(1);
  });

  it('ignores bytes past the UDP Length (IP padding)', () => {
    const { ip, udp } = setup();
    const got: string[] = [];
    udp.bind(7, (d) => got.push(new TextDecoder().decode(d.data)));
    const udpBytes = new Uint8Array(16);
    emitUdp({ srcPort: 1, dstPort: 7, length: 10 }, udpBytes, 0, { src: PEER, dst: LOCAL, payload: text('ok') });
    ip.deliver(ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: udpBytes }));
    expect(got).toEqual(['ok']);
  });

  it('send writes header, one copy of the data and a checksum that verifies', () => {
    const { ip, udp } = setup();
    const sock = udp.bind(5353, () => {});
    const data = text('query!');
    expect(sock.send(PEER, 53, data)).toBeNull();
    const w = ip.written[0]!;
    expect([w.dst, w.protocol, w.bytes.length]).toEqual([PEER, 17, 14]);
    expect(w.options?.src).toBeUndefined();
    const r = parseUdp(w.bytes, w.src, w.dst);
    expect(r.ok && r.value).toMatchObject({ srcPort: 5353, dstPort: 53, length: 14 });
    expect(r.ok && r.value.checksum).not.toBe(0);
    expect(toHex(w.bytes.subarray(8))).toBe(toHex(data));
    expect(udp.stats.tx).toBe(1);
  });

  it('write lets the caller fill the payload in place', () => {
    const { ip, udp } = setup();
    const sock = udp.bind(9000, () => {});
    let region: Uint8Array | undefined;
    expect(sock.write(PEER, 9001, 5, (buf) => { region = buf; buf.set(text('zc-ok')); })).toBeNull();
    expect(region?.length).toBe(5);
    const w = ip.written[0]!;
    expect(parseUdp(w.bytes, w.src, w.dst).ok).toBe(true);
    expect(new TextDecoder().decode(w.bytes.subarray(8))).toBe('zc-ok');
  });

  it('leaves the checksum to the layers below: the pseudo-header sum and l4ChecksumOffset 6 (RFC 768)', () => {
    const { ip, udp } = setup();
    udp.bind(5353, () => {}).send(PEER, 53, text('query!'));
    udp.bind(5354, () => {}, { address: LOCAL }).send(PEER, 53, text('q'));
    const [a, b] = ip.written;
    expect(a!.options).toEqual({ l4ChecksumOffset: 6 });
    expect(b!.options).toEqual({ src: LOCAL, l4ChecksumOffset: 6 });
    // 10.77.0.1 -> 10.77.0.2 (testkit's LOCAL, PEER), protocol 17, length 14: 0x0a4d + 0x0001 + 0x0a4d + 0x0002 + 0x11 + 0x0e.
    expect(a!.partialChecksum).toBe(0x0a4d + 0x0001 + 0x0a4d + 0x0002 + 0x11 + 0x0e);
    expect(parseUdp(a!.bytes, a!.src, a!.dst).ok).toBe(true);
  });

  it('sendChecksum false sends zero ("no checksum")', () => {
    const { ip, udp } = setup({ sendChecksum: false });
    udp.bind(1, () => {}).send(PEER, 2, text('x'));
    expect(readU16(ip.written[0]!.bytes, 6)).toBe(0);
  });

  it('too big above 65507 bytes; IP errors come back as values', () => {
    const { ip, udp } = setup();
    const sock = udp.bind(1, () => {});
    expect(sock.send(PEER, 2, new Uint8Array(65_508))).toBe('too-big');
    expect(sock.write(PEER, 2, 65_508, () => {})).toBe('too-big');
    expect(ip.written).toHaveLength(0);
    expect(sock.send(PEER, 2, new Uint8Array(65_507))).toBeNull();
    ip.writeResult = 'no-route';
    expect(sock.send(ipv4('192.0.2.1'), 2, text('x'))).toBe('no-route');
    expect(udp.stats.tx).toBe(1);
  });

  it('misuse throws: bad destination port or address, send after close', () => {
    const { udp } = setup();
    const sock = udp.bind(1, () => {});
    expectStackError(() => sock.send(PEER, 0, text('x')), 'ERR_INVALID_ARGUMENT', /1\.\.65535/);
    expectStackError(() => sock.send(PEER, 70_000, text('x')), 'ERR_INVALID_ARGUMENT');
    expectStackError(() => sock.send(-1, 7, text('x')), 'ERR_INVALID_ARGUMENT');
    sock.close();
    sock.close(); // idempotent
    expectStackError(() => sock.send(PEER, 7, text('x')), 'ERR_CLOSED');
  });
});

describe('ports', () => {
  it('ephemeral ports are unique and inside the configured range', () => {
    const { udp } = setup({ ephemeralMin: 50_000, ephemeralMax: 50_999 });
    const ports = Array.from({ length: 1000 }, () => udp.bind(0, () => {}).port);
    expect(new Set(ports).size).toBe(1000);
    expect(Math.min(...ports)).toBe(50_000);
    expect(Math.max(...ports)).toBe(50_999);
    expectStackError(() => udp.bind(0, () => {}), 'ERR_NO_PORTS', /50000\.\.50999/);
  });

  it('ephemeral ports are not sequential and spread over the default range (RFC 6056)', () => {
    const { udp } = setup({}, 12345);
    const ports = Array.from({ length: 200 }, () => udp.bind(0, () => {}).port);
    for (const p of ports) expect(p >= 49_152 && p <= 65_535).toBe(true);
    let successors = 0;
    for (let i = 1; i < ports.length; i++) if (ports[i] === ports[i - 1]! + 1) successors++;
    expect(successors).toBeLessThan(5);
    // 200 uniform draws over 16384 ports: every quarter of the range is hit
    const quarters = new Set(ports.map((p) => Math.floor((p - 49_152) / 4096)));
    expect(quarters.size).toBe(4);
    // a different seed gives a different sequence
    const other = setup({}, 54321).udp;
    expect(other.bind(0, () => {}).port).not.toBe(ports[0]);
  });

  it('a bound port is in use until closed', () => {
    const { udp } = setup();
    const a = udp.bind(53, () => {});
    expectStackError(() => udp.bind(53, () => {}), 'ERR_PORT_IN_USE', /53/);
    expectStackError(() => udp.bind(53, () => {}, { address: LOCAL }), 'ERR_PORT_IN_USE');
    a.close();
    expect(udp.bind(53, () => {}).port).toBe(53);
  });

  it('out-of-range ports and foreign addresses are invalid arguments that say what is allowed', () => {
    const { udp } = setup();
    for (const p of [-1, 65_536, 1.5, NaN]) expectStackError(() => udp.bind(p, () => {}), 'ERR_INVALID_ARGUMENT', /0\.\.65535/);
    expectStackError(() => udp.bind(1, () => {}, { address: ipv4('192.0.2.7') }), 'ERR_INVALID_ARGUMENT', /not one of our addresses/);
  });

  it('binding to our address: only datagrams to it, and it is the source of what we send', () => {
    const { ip, udp } = setup();
    const got: number[] = [];
    const sock = udp.bind(68, (d) => got.push(d.dst), { address: LOCAL });
    ip.deliver(udpDatagram(67, 68, text('x'), PEER, BCAST));
    ip.deliver(udpDatagram(67, 68, text('x'), PEER, LOCAL));
    expect(got).toEqual([LOCAL]);
    sock.send(PEER, 67, text('y'));
    expect(ip.written[0]!.options?.src).toBe(LOCAL);
    expect(udp.sockets()).toEqual([{ port: 68, address: LOCAL }]);
  });

  it('a socket bound to any address gets broadcasts unless broadcast: false', () => {
    const { ip, udp } = setup();
    const got: string[] = [];
    udp.bind(67, () => got.push('a'));
    udp.bind(68, () => got.push('b'), { broadcast: false });
    ip.deliver(udpDatagram(68, 67, text('x'), PEER, 0xffffffff));
    ip.deliver(udpDatagram(67, 68, text('x'), PEER, BCAST));
    expect(got).toEqual(['a']);
  });
});

describe('checksums and drops', () => {
  it('accepts a zero checksum (RFC 768: none computed)', () => {
    const { ip, udp } = setup();
    let n = 0;
    udp.bind(7, () => n++);
    ip.deliver(udpDatagram(1, 7, text('no sum'), PEER, LOCAL, false));
    expect(n).toBe(1);
  });

  it('drops and counts a bad checksum, unless the device verified it', () => {
    const { ip, udp, icmpSent } = setup();
    let n = 0;
    udp.bind(7, () => n++);
    const d = udpDatagram(1, 7, text('corrupt me'));
    d[30] = d[30]! ^ 0x01;
    ip.deliver(d);
    expect(n).toBe(0);
    expect(udp.stats.dropped['checksum']).toBe(1);
    expect(icmpSent).toHaveLength(0);
    ip.deliver(d, { checksumVerified: true });
    expect(n).toBe(1);
  });

  it('counts truncated and malformed headers', () => {
    const { ip, udp } = setup();
    ip.deliver(ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: fromHex('0001 0002 00') }));
    ip.deliver(ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: fromHex('0001 0002 0020 0000') }));
    ip.deliver(ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: fromHex('0001 0002 0004 0000') }));
    expect(udp.stats.dropped).toMatchObject({ truncated: 2, malformed: 1 });
    expect(udp.stats.rx).toBe(3);
  });
});

describe('port unreachable (RFC 1122 §4.1.3.1)', () => {
  it('is sent through ICMP quoting the whole datagram, and counted as noPort', () => {
    const { ip, udp, icmpSent } = setup();
    const d = udpDatagram(40000, 9, text('anyone?'));
    ip.deliver(d);
    expect(icmpSent).toEqual([{ kind: 'port-unreachable', original: d }]);
    expect(udp.stats.dropped['noPort']).toBe(1);
  });

  it('is not sent for broadcasts or multicasts, nor when disabled', () => {
    const a = setup();
    a.ip.deliver(udpDatagram(1, 9, text('x'), PEER, BCAST));
    a.ip.deliver(udpDatagram(1, 9, text('x'), PEER, ipv4('224.0.0.251')));
    expect(a.icmpSent).toHaveLength(0);
    expect(a.udp.stats.dropped['noPort']).toBe(2);
    const b = setup({ portUnreachable: false });
    b.ip.deliver(udpDatagram(1, 9, text('x')));
    expect(b.icmpSent).toHaveLength(0);
    expect(b.udp.stats.dropped['noPort']).toBe(1);
  });

  it('is not sent about a unicast datagram that came in a link-layer broadcast frame (RFC 1122 §3.2.2)', () => {
    const { ip, udp, icmpSent } = setup();
    ip.deliver(udpDatagram(1, 9, text('x')), { broadcast: false, linkBroadcast: true });
    expect(icmpSent).toHaveLength(0);
    expect(udp.stats.dropped['noPort']).toBe(1);
    ip.deliver(udpDatagram(1, 9, text('x')), { broadcast: false, linkBroadcast: false });
    expect(icmpSent).toHaveLength(1);
  });

  it('works without an ICMP layer', () => {
    const ip = new FakeIp();
    const udp = createUdp(ip, { scheduler: new SimScheduler(), random: new SeededRandom(1) });
    ip.deliver(udpDatagram(1, 9, text('x')));
    expect(udp.stats.dropped['noPort']).toBe(1);
  });
});

describe('ICMP errors about our datagrams', () => {
  it('reach onError of the socket bound to the quoted source port', () => {
    const { ip, udp } = setup();
    const errors: IpErrorInfo[] = [];
    const other: IpErrorInfo[] = [];
    const sock = udp.bind(0, () => {}, { onError: (e) => errors.push(e) });
    udp.bind(0, () => {}, { onError: (e) => other.push(e) });
    sock.send(ipv4('192.0.2.1'), 53, text('q'));
    const quoted = ip.written[0]!.bytes.subarray(0, 8);
    const err: IpErrorInfo = { kind: 'unreachable', code: 3, reporter: ipv4('192.0.2.1'), mtu: 0, src: LOCAL, dst: ipv4('192.0.2.1'), protocol: 17, quoted };
    ip.deliverError(err);
    expect(errors).toEqual([err]);
    expect(other).toEqual([]);
    // an error about a port nobody holds, or a quote too short for ports: ignored
    ip.deliverError({ ...err, quoted: fromHex('0001 0035 0009 0000') });
    ip.deliverError({ ...err, quoted: fromHex('00') });
    expect(errors).toHaveLength(1);
  });

  it('Source Quench never reaches onError: it is counted and ignored (RFC 6633 §3)', () => {
    const { ip, udp } = setup();
    const errors: IpErrorInfo[] = [];
    const sock = udp.bind(0, () => {}, { onError: (e) => errors.push(e) });
    sock.send(ipv4('192.0.2.1'), 53, text('q'));
    const quoted = ip.written[0]!.bytes.subarray(0, 8);
    ip.deliverError({ kind: 'source-quench', code: 0, reporter: ipv4('192.0.2.1'), mtu: 0, src: LOCAL, dst: ipv4('192.0.2.1'), protocol: 17, quoted });
    expect(errors).toEqual([]);
    expect(udp.stats.dropped['sourceQuench']).toBe(1);
  });
});

describe('one UdpDatagram per layer', () => {
  it('hands every datagram over in the same object, refilled (no allocation per datagram)', () => {
    const { ip, udp } = setup();
    const seen: { d: UdpDatagram; srcPort: number; text: string }[] = [];
    const record = (d: UdpDatagram) => seen.push({ d, srcPort: d.srcPort, text: new TextDecoder().decode(d.data) });
    udp.bind(7, record);
    udp.bind(8, record);
    ip.deliver(udpDatagram(1000, 7, text('one')));
    ip.deliver(udpDatagram(2000, 8, text('two')));
    expect(seen.map((s) => [s.srcPort, s.text])).toEqual([[1000, 'one'], [2000, 'two']]);
    expect(seen[0]!.d).toBe(seen[1]!.d);
    expect(seen[1]!.d.data.length).toBe(0); // the bytes are not kept past the call
  });

  it('a datagram delivered from inside a handler gets its own object: the outer one is intact', () => {
    const { ip, udp } = setup();
    const outer: unknown[] = [];
    const inner: unknown[] = [];
    udp.bind(8, (d) => inner.push([d.srcPort, d.dstPort, new TextDecoder().decode(d.data)]));
    udp.bind(7, (d) => {
      ip.deliver(udpDatagram(2000, 8, text('inner')));
      outer.push([d.srcPort, d.dstPort, new TextDecoder().decode(d.data), d.ttl]);
    });
    ip.deliver(udpDatagram(1000, 7, text('outer')));
    expect(inner).toEqual([[2000, 8, 'inner']]);
    expect(outer).toEqual([[1000, 7, 'outer', 57]]);
  });

  it('sockets bound to our address and to any send from the right source, interleaved', () => {
    const { ip, udp } = setup();
    const any = udp.bind(1, () => {});
    const bound = udp.bind(2, () => {}, { address: LOCAL });
    any.send(PEER, 9, text('a'));
    bound.send(PEER, 9, text('b'));
    any.send(PEER, 9, text('c'));
    expect(ip.written.map((w) => w.options?.src)).toEqual([undefined, LOCAL, undefined]);
    expect(ip.written.map((w) => w.options !== undefined && 'src' in w.options)).toEqual([false, true, false]);
  });
});

describe('close and robustness', () => {
  it('close unbinds all; later calls are misuse', () => {
    const { ip, udp, icmpSent } = setup();
    const sock = udp.bind(7, () => {});
    udp.bind(0, () => {});
    udp.close();
    expect(udp.sockets()).toEqual([]);
    expectStackError(() => sock.send(PEER, 1, text('x')), 'ERR_CLOSED');
    expectStackError(() => udp.bind(8, () => {}), 'ERR_CLOSED');
    ip.deliver(udpDatagram(1, 7, text('x')));
    expect(icmpSent).toHaveLength(0);
    udp.close();
  });

  it('random and mutated datagrams never throw', () => {
    const { ip, udp } = setup();
    udp.bind(7, () => {});
    const good = udpDatagram(40000, 7, text('some payload bytes'));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat(), fc.boolean(), (junk, flips, cut, verified) => {
        ip.deliver(ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: junk }), { checksumVerified: verified });
        const m = good.slice();
        for (const [at, v] of flips) m[20 + (at % (m.length - 20))] = v;
        ip.deliver(ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: m.subarray(20, 20 + (cut % (m.length - 19))) }), { checksumVerified: verified });
        ip.deliverError({ kind: 'unreachable', code: 3, reporter: PEER, mtu: 0, src: LOCAL, dst: PEER, protocol: 17, quoted: junk });
      }),
    );
  });

  it('validates its config', () => {
    const ip = new FakeIp();
    const deps = { scheduler: new SimScheduler(), random: new SeededRandom(1) };
    for (const bad of [{ ephemeralMin: 0 }, { ephemeralMax: 70_000 }, { ephemeralMin: 6000, ephemeralMax: 5000 }, { sendChecksum: 1 }, { typo: true }]) {
      expectStackError(() => createUdp(ip, deps, bad as UdpConfig), 'ERR_INVALID_CONFIG');
    }
  });
});

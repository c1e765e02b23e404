import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError, type IcmpErrorKind, type IpErrorInfo, type IpRxInfo, type Ipv4Config } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { MAC_BROADCAST, bytesEqual, checksumValid, ipv4, multicastMac, parseCidr, readU16 } from '@stack/wire';
import { createIpv4, type Ipv4Layer } from './layer.js';
import { parseIpv4Header, type Ipv4Repr } from './wire/header.js';
import { FakeArp, FakeEthernet, buildPacket, fragmentsOf, pattern } from './fixtures/fakes.js';

const US = ipv4('10.77.0.2');
const PEER = ipv4('10.77.0.3');
const GW = ipv4('10.77.0.1');
const FAR = ipv4('192.0.2.9');

interface Rig {
  ip: Ipv4Layer;
  eth: FakeEthernet;
  arp: FakeArp;
  sched: SimScheduler;
  got: { payload: Uint8Array; info: IpRxInfo }[];
  errors: { kind: IcmpErrorKind; original: Uint8Array }[];
}

function rig(config: Partial<Ipv4Config> = {}, mtu = 1500, seed = 1): Rig {
  const eth = new FakeEthernet(mtu);
  const arp = new FakeArp();
  const sched = new SimScheduler();
  const ip = createIpv4(eth, arp, { scheduler: sched, random: new SeededRandom(seed) }, { address: parseCidr('10.77.0.2/24'), gateway: GW, ...config });
  const got: Rig['got'] = [];
  const errors: Rig['errors'] = [];
  ip.register(17, { input: (payload, info) => got.push({ payload: payload.slice(), info: { ...info, packet: info.packet.slice() } }) });
  ip.setErrorSender({
    sendError: (kind, original) => {
      errors.push({ kind, original: original.slice() });
      return true;
    },
  });
  return { ip, eth, arp, sched, got, errors };
}

function header(bytes: Uint8Array): Ipv4Repr {
  const r = parseIpv4Header(bytes);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('IPv4 layer: input', () => {
  it('registers for EtherType 0x0800 and listens to the all-hosts group', () => {
    const { eth } = rig();
    expect(eth.handlers.has(0x0800)).toBe(true);
    expect(eth.multicast.has(multicastMac(ipv4('224.0.0.1')))).toBe(true);
  });

  it('delivers a datagram to our address with its info, ignoring link padding', () => {
    const { eth, got, ip } = rig();
    const pkt = buildPacket({ src: PEER, dst: US, ttl: 9, tos: 0xb8, payload: pattern(8) });
    const padded = new Uint8Array(46);
    padded.set(pkt);
    padded.fill(0x55, pkt.length);
    eth.deliver(padded);
    expect(got).toHaveLength(1);
    expect(bytesEqual(got[0]!.payload, pattern(8))).toBe(true);
    expect(got[0]!.info).toMatchObject({ src: PEER, dst: US, protocol: 17, ttl: 9, tos: 0xb8, broadcast: false, headerLength: 20, checksumVerified: false });
    expect(bytesEqual(got[0]!.info.packet, pkt)).toBe(true);
    expect(ip.stats).toMatchObject({ rx: 1, delivered: 1 });
  });

  it('passes checksumVerified/partial from the device up', () => {
    const { eth, got } = rig();
    eth.deliver(buildPacket({ src: PEER, dst: US }), { checksumVerified: true });
    eth.deliver(buildPacket({ src: PEER, dst: US }), { checksumPartial: true });
    expect(got.map((g) => g.info.checksumVerified)).toEqual([true, true]);
  });

  it('accepts broadcasts unless acceptBroadcast is false, and marks them', () => {
    const on = rig();
    on.eth.deliver(buildPacket({ src: PEER, dst: 0xffffffff }));
    on.eth.deliver(buildPacket({ src: PEER, dst: ipv4('10.77.0.255') }));
    expect(on.got.map((g) => g.info.broadcast)).toEqual([true, true]);
    const off = rig({ acceptBroadcast: false });
    off.eth.deliver(buildPacket({ src: PEER, dst: 0xffffffff }));
    off.eth.deliver(buildPacket({ src: PEER, dst: ipv4('10.77.0.255') }));
    expect(off.got).toHaveLength(0);
    expect(off.ip.stats.dropped['notForUs']).toBe(2);
  });

  it('accepts 224.0.0.1 and joined groups only', () => {
    const { eth, got, ip } = rig();
    const mdns = ipv4('224.0.0.251');
    eth.deliver(buildPacket({ src: PEER, dst: ipv4('224.0.0.1') }));
    eth.deliver(buildPacket({ src: PEER, dst: mdns }));
    expect(got).toHaveLength(1);
    expect(ip.isLocal(mdns)).toBe(false);
    ip.joinGroup(mdns);
    expect(eth.multicast.has(multicastMac(mdns))).toBe(true);
    expect(ip.isLocal(mdns)).toBe(true);
    eth.deliver(buildPacket({ src: PEER, dst: mdns }));
    expect(got).toHaveLength(2);
    expect(got[1]!.info.broadcast).toBe(true);
    ip.leaveGroup(mdns);
    expect(eth.multicast.has(multicastMac(mdns))).toBe(false);
    eth.deliver(buildPacket({ src: PEER, dst: mdns }));
    expect(got).toHaveLength(2);
    expect(ip.stats.dropped['notForUs']).toBe(2);
  });

  it('drops what is not for us: we are a host, not a router', () => {
    const { eth, got, ip } = rig();
    eth.deliver(buildPacket({ src: PEER, dst: ipv4('10.77.0.4') }));
    eth.deliver(buildPacket({ src: PEER, dst: FAR }));
    expect(got).toHaveLength(0);
    expect(ip.stats.dropped['notForUs']).toBe(2);
  });

  it('drops datagrams from broadcast, multicast or loopback sources', () => {
    const { eth, got, ip } = rig();
    for (const src of ['255.255.255.255', '10.77.0.255', '224.0.0.1', '127.0.0.1']) eth.deliver(buildPacket({ src: ipv4(src), dst: US }));
    expect(got).toHaveLength(0);
    expect(ip.stats.dropped['badSource']).toBe(4);
  });

  it('counts bad headers by reason', () => {
    const { eth, ip } = rig();
    const good = buildPacket({ src: PEER, dst: US, payload: pattern(8) });
    const badSum = good.slice();
    badSum[8] = 1;
    eth.deliver(badSum);
    const v6 = good.slice();
    v6[0] = 0x60;
    eth.deliver(v6);
    eth.deliver(good.subarray(0, 10));
    eth.deliver(good.subarray(0, 27));
    const ihl = good.slice();
    ihl[0] = 0x43;
    eth.deliver(ihl);
    expect(ip.stats.dropped).toMatchObject({ checksum: 1, version: 1, truncated: 2, malformed: 1 });
    expect(ip.stats.rx).toBe(5);
    expect(ip.stats.delivered).toBe(0);
  });

  it('skips the header checksum when the device verified it', () => {
    const { eth, got } = rig();
    const pkt = buildPacket({ src: PEER, dst: US });
    pkt[10] = pkt[10]! ^ 0xff;
    eth.deliver(pkt, { checksumVerified: true });
    expect(got).toHaveLength(1);
  });

  it('an unknown protocol: counted, and protocol unreachable asked for (not for broadcasts)', () => {
    const { eth, ip, errors } = rig();
    const pkt = buildPacket({ src: PEER, dst: US, protocol: 99, payload: pattern(12) });
    eth.deliver(pkt);
    eth.deliver(buildPacket({ src: PEER, dst: 0xffffffff, protocol: 99 }));
    expect(ip.stats.dropped['noProtocol']).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.kind).toBe('protocol-unreachable');
    expect(bytesEqual(errors[0]!.original, pkt)).toBe(true);
  });

  it('reassembles fragments and hands up the whole datagram', () => {
    const { eth, ip, got } = rig();
    const payload = pattern(3000);
    const frags = fragmentsOf({ src: PEER, dst: US, payload, identification: 77 }, 1480);
    for (const f of frags.reverse()) eth.deliver(f, { checksumVerified: true });
    expect(got).toHaveLength(1);
    expect(bytesEqual(got[0]!.payload, payload)).toBe(true);
    expect(got[0]!.info.packet.length).toBe(3020);
    expect(readU16(got[0]!.info.packet, 2)).toBe(3020);
    expect(readU16(got[0]!.info.packet, 6)).toBe(0);
    expect(checksumValid(got[0]!.info.packet, 0, 20)).toBe(true);
    expect(got[0]!.info.checksumVerified).toBe(true);
    expect(ip.stats).toMatchObject({ rx: 3, fragmentsIn: 3, reassembled: 1, delivered: 1 });
    expect(ip.reassembly()).toEqual({ datagrams: 0, bytes: 0 });
  });

  it('counts overlapping fragments and drops the datagram', () => {
    const { eth, ip, got } = rig();
    eth.deliver(buildPacket({ src: PEER, dst: US, payload: pattern(64), moreFragments: true }));
    eth.deliver(buildPacket({ src: PEER, dst: US, payload: pattern(64), fragmentOffset: 32 }));
    expect(got).toHaveLength(0);
    expect(ip.stats.dropped['fragmentOverlap']).toBe(1);
    expect(ip.reassembly()).toEqual({ datagrams: 0, bytes: 0 });
  });

  it('enforces the reassembly limits from the config', () => {
    const { eth, ip } = rig({ reassemblyMaxDatagrams: 2 });
    for (let id = 0; id < 3; id++) eth.deliver(buildPacket({ src: PEER, dst: US, identification: id, payload: pattern(64), moreFragments: true }));
    expect(ip.reassembly().datagrams).toBe(2);
    expect(ip.stats.dropped['reassemblyLimit']).toBe(1);
  });

  it('times out in virtual time with one timer, frees memory, and sends time exceeded only with fragment zero', () => {
    const { eth, ip, sched, errors } = rig({ reassemblyTimeout: 15_000 });
    const withFirst = fragmentsOf({ src: PEER, dst: US, payload: pattern(300), identification: 1 }, 128);
    const withoutFirst = fragmentsOf({ src: PEER, dst: US, payload: pattern(300), identification: 2 }, 128);
    eth.deliver(withFirst[0]!);
    sched.runFor(1000);
    eth.deliver(withoutFirst[1]!);
    eth.deliver(withoutFirst[2]!);
    expect(ip.reassembly()).toEqual({ datagrams: 2, bytes: 148 + 128 + 44 });
    expect(sched.pending()).toBe(1);
    sched.runUntilTime(14_999);
    expect(ip.reassembly().datagrams).toBe(2);
    sched.runUntilTime(15_000);
    expect(ip.reassembly()).toEqual({ datagrams: 1, bytes: 128 + 44 });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.kind).toBe('reassembly-time-exceeded');
    expect(bytesEqual(errors[0]!.original, withFirst[0]!)).toBe(true);
    expect(sched.pending()).toBe(1);
    sched.runUntilIdle();
    expect(sched.now()).toBe(16_000);
    expect(ip.reassembly()).toEqual({ datagrams: 0, bytes: 0 });
    expect(ip.stats.dropped['reassemblyTimeout']).toBe(2);
    expect(errors).toHaveLength(1);
    expect(sched.pending()).toBe(0);
  });

  it('keeps one timer however many datagrams are in flight', () => {
    const { eth, sched, ip } = rig();
    for (let id = 0; id < 20; id++) {
      eth.deliver(buildPacket({ src: PEER, dst: US, identification: id, payload: pattern(64), moreFragments: true }));
      sched.runFor(10);
    }
    expect(ip.reassembly().datagrams).toBe(20);
    expect(sched.pending()).toBe(1);
  });

  it('random and mutated bytes never throw', () => {
    const { eth, ip } = rig();
    ip.register(1, { input: () => {} });
    const base = buildPacket({ src: PEER, dst: US, payload: pattern(40), moreFragments: true });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 100 }),
          fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 }).map((flips) => {
            const b = base.slice();
            for (const [i, v] of flips) b[i % b.length] = v;
            return b;
          }),
        ),
        fc.boolean(),
        (bytes, verified) => {
          eth.deliver(bytes, { checksumVerified: verified });
        },
      ),
    );
    expect(ip.stats.rx).toBeGreaterThan(0);
  });
});

describe('IPv4 layer: output', () => {
  it('sends on-link unicast through ARP, zero-copy, with a full header', () => {
    const { ip, arp, eth } = rig();
    const seen: [number, number, number][] = [];
    const r = ip.write(PEER, 17, 100, (buf, src, dst) => {
      seen.push([buf.length, src, dst]);
      buf.set(pattern(100));
    });
    expect(r).toBeNull();
    expect(seen).toEqual([[100, US, PEER]]);
    expect(eth.frames).toHaveLength(0);
    expect(arp.writes).toHaveLength(1);
    const w = arp.writes[0]!;
    expect(w.nextHop).toBe(PEER);
    expect(w.etherType).toBe(0x0800);
    expect(w.bytes.length).toBe(120);
    expect(header(w.bytes)).toMatchObject({ src: US, dst: PEER, protocol: 17, ttl: 64, tos: 0, dontFragment: false, moreFragments: false, fragmentOffset: 0, payloadLength: 100 });
    expect(bytesEqual(w.bytes.subarray(20), pattern(100))).toBe(true);
    expect(ip.stats.tx).toBe(1);
  });

  it('honours ttl, tos and DF, and counts identification up from a random start (RFC 6864)', () => {
    const { ip, arp } = rig();
    ip.write(PEER, 17, 0, () => {}, { ttl: 3, tos: 0x10, dontFragment: true });
    ip.write(PEER, 17, 0, () => {});
    const a = header(arp.writes[0]!.bytes);
    const b = header(arp.writes[1]!.bytes);
    expect(a).toMatchObject({ ttl: 3, tos: 0x10, dontFragment: true });
    expect(b.dontFragment).toBe(false);
    expect(b.identification).toBe((a.identification + 1) & 0xffff);
    // Another seed starts elsewhere.
    const other = rig({}, 1500, 2);
    other.ip.write(PEER, 17, 0, () => {});
    expect(header(other.arp.writes[0]!.bytes).identification).not.toBe(a.identification);
  });

  it('routes off-link traffic to the gateway, or reports no route', () => {
    const { ip, arp } = rig();
    expect(ip.write(FAR, 17, 8, () => {})).toBeNull();
    expect(arp.writes[0]!.nextHop).toBe(GW);
    expect(header(arp.writes[0]!.bytes).dst).toBe(FAR);
    const lonely = rig({ gateway: null });
    expect(lonely.ip.write(FAR, 17, 8, () => {})).toBe('no-route');
    expect(lonely.ip.stats.dropped['noRoute']).toBe(1);
    expect(lonely.ip.source(FAR)).toBeUndefined();
    expect(lonely.ip.source(PEER)).toBe(US);
    expect(lonely.ip.write(ipv4('127.0.0.1'), 17, 8, () => {})).toBe('no-route');
  });

  it('longest prefix wins among added routes', () => {
    const { ip, arp } = rig();
    ip.addRoute({ destination: parseCidr('192.0.2.0/24'), gateway: ipv4('10.77.0.5'), metric: 0 });
    ip.addRoute({ destination: parseCidr('192.0.2.8/29'), gateway: ipv4('10.77.0.6'), metric: 0 });
    ip.write(FAR, 17, 0, () => {});
    ip.write(ipv4('192.0.2.100'), 17, 0, () => {});
    ip.write(ipv4('198.51.100.1'), 17, 0, () => {});
    expect(arp.writes.map((w) => w.nextHop)).toEqual([ipv4('10.77.0.6'), ipv4('10.77.0.5'), GW]);
    expect(ip.routes().map((r) => r.destination.prefix)).toEqual([29, 24, 24, 0]);
    expect(ip.removeRoute(parseCidr('192.0.2.8/29'))).toBe(true);
    ip.write(FAR, 17, 0, () => {});
    expect(arp.writes[3]!.nextHop).toBe(ipv4('10.77.0.5'));
  });

  it('sends broadcasts and multicasts straight to Ethernet with the group MAC', () => {
    const { ip, arp, eth } = rig();
    ip.write(0xffffffff, 17, 4, () => {});
    ip.write(ipv4('10.77.0.255'), 17, 4, () => {});
    ip.write(ipv4('239.1.2.3'), 17, 4, () => {});
    expect(arp.writes).toHaveLength(0);
    expect(eth.frames.map((f) => f.dst)).toEqual([MAC_BROADCAST, MAC_BROADCAST, 0x01005e010203]);
    expect(eth.frames.every((f) => f.etherType === 0x0800)).toBe(true);
    expect(header(eth.frames[2]!.bytes).dst).toBe(ipv4('239.1.2.3'));
  });

  it('fragments 60 KB at MTU 1500 into aligned fragments that reassemble bit-exactly', () => {
    const tx = rig();
    const payload = new Uint8Array(60_000);
    new SeededRandom(7).fill(payload);
    let fills = 0;
    expect(
      tx.ip.write(PEER, 17, payload.length, (buf) => {
        fills++;
        buf.set(payload);
      }),
    ).toBeNull();
    expect(fills).toBe(1);
    const frames = tx.arp.writes.map((w) => w.bytes);
    expect(frames).toHaveLength(Math.ceil(60_000 / 1480));
    let expectOffset = 0;
    frames.forEach((f, i) => {
      const h = header(f); // checks each fragment's own header checksum
      expect(f.length).toBeLessThanOrEqual(1500);
      expect(h.fragmentOffset).toBe(expectOffset);
      expect(h.fragmentOffset % 8).toBe(0);
      expect(h.moreFragments).toBe(i < frames.length - 1);
      expect(h.identification).toBe(header(frames[0]!).identification);
      if (i < frames.length - 1) expect(h.payloadLength).toBe(1480);
      expectOffset += h.payloadLength;
    });
    expect(expectOffset).toBe(60_000);
    expect(tx.ip.stats).toMatchObject({ tx: 1, fragmentsOut: frames.length });

    // The receiving side: our own reassembly, fragments in a shuffled order.
    const rx = rig({ address: parseCidr('10.77.0.3/24') });
    const order = frames.map((_, i) => i);
    const rnd = new SeededRandom(3);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rnd.below(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const i of order) rx.eth.deliver(frames[i]!);
    expect(rx.got).toHaveLength(1);
    expect(bytesEqual(rx.got[0]!.payload, payload)).toBe(true);
    expect(rx.ip.reassembly()).toEqual({ datagrams: 0, bytes: 0 });
  });

  it('refuses what cannot go: DF over the MTU, over 64 KiB', () => {
    const { ip, arp } = rig();
    expect(ip.write(PEER, 17, 1481, () => {}, { dontFragment: true })).toBe('too-big');
    expect(ip.write(PEER, 17, 1480, () => {}, { dontFragment: true })).toBeNull();
    expect(ip.write(PEER, 17, 65_516, () => {})).toBe('too-big');
    expect(ip.write(PEER, 17, 65_515, () => {})).toBeNull();
    expect(ip.stats.dropped['tooBig']).toBe(2);
    expect(arp.writes.length).toBe(1 + 45);
  });

  it('follows the path MTU: lowered by ICMP, floored, expiring (RFC 1191)', () => {
    const { ip, arp, sched } = rig({ pathMtuTimeout: 60_000 });
    const errs: IpErrorInfo[] = [];
    ip.register(6, { input: () => {}, error: (e) => errs.push(e) });
    expect(ip.mtu(PEER)).toBe(1500);
    const err: IpErrorInfo = { kind: 'unreachable', code: 4, reporter: GW, mtu: 1000, src: US, dst: PEER, protocol: 6, quoted: new Uint8Array(8) };
    ip.deliverError(err);
    expect(errs).toEqual([err]);
    expect(ip.mtu(PEER)).toBe(1000);
    expect(ip.mtu(FAR)).toBe(1500);
    ip.write(PEER, 17, 1500, () => {});
    expect(arp.writes.map((w) => w.bytes.length)).toEqual([996, 544]);
    ip.updatePathMtu(PEER, 1200);
    expect(ip.mtu(PEER)).toBe(1000);
    ip.updatePathMtu(PEER, 100);
    expect(ip.mtu(PEER)).toBe(552);
    sched.runFor(60_000);
    expect(ip.mtu(PEER)).toBe(1500);
  });

  it('loops datagrams to our own address back through the scheduler', () => {
    const { ip, arp, eth, sched, got } = rig();
    expect(ip.write(US, 17, 3000, (buf, src, dst) => buf.set(pattern(3000, src === dst ? 1 : 0)))).toBeNull();
    expect(got).toHaveLength(0); // never synchronously
    expect(arp.writes.length + eth.frames.length).toBe(0);
    sched.runUntilIdle();
    expect(got).toHaveLength(1);
    expect(bytesEqual(got[0]!.payload, pattern(3000, 1))).toBe(true);
    expect(got[0]!.info).toMatchObject({ src: US, dst: US, checksumVerified: true });
  });

  it('fails writes the lower layer refused', () => {
    const { ip, arp } = rig();
    arp.accept = false;
    expect(ip.write(PEER, 17, 10, () => {})).toBe('queue-full');
    expect(ip.write(PEER, 17, 3000, () => {})).toBe('queue-full');
    expect(arp.writes).toHaveLength(2); // fragmentation stopped at the first refusal
    expect(ip.stats.dropped['txFailed']).toBe(2);
    expect(ip.stats.tx).toBe(0);
  });

  it('throws StackError on misuse', () => {
    const { ip } = rig();
    const cases: (() => unknown)[] = [
      () => ip.write(-1, 17, 0, () => {}),
      () => ip.write(PEER, 256, 0, () => {}),
      () => ip.write(PEER, 17, -1, () => {}),
      () => ip.write(PEER, 17, 1.5, () => {}),
      () => ip.write(PEER, 17, 0, () => {}, { ttl: 0 }),
      () => ip.write(PEER, 17, 0, () => {}, { tos: 256 }),
      () => ip.write(PEER, 17, 0, () => {}, { src: PEER }),
      () => ip.register(17, { input: () => {} }),
      () => ip.joinGroup(PEER),
    ];
    for (const f of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(isStackError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
    expect(() => rig({ ttl: 0 })).toThrow(/ttl/);
  });

  it('allows 0.0.0.0 as a source (a host without an address yet)', () => {
    const { ip, eth } = rig();
    expect(ip.write(0xffffffff, 17, 0, () => {}, { src: 0 })).toBeNull();
    expect(header(eth.frames[0]!.bytes).src).toBe(0);
  });
});

describe('IPv4 layer: state and shutdown', () => {
  it('reports addresses, isLocal, routes and inspect()', () => {
    const { ip } = rig();
    expect(ip.addresses).toEqual([parseCidr('10.77.0.2/24')]);
    expect([US, 0xffffffff, ipv4('10.77.0.255'), ipv4('224.0.0.1')].every((a) => ip.isLocal(a))).toBe(true);
    expect(ip.isLocal(PEER)).toBe(false);
    expect(ip.routes()).toEqual([
      { destination: { address: ipv4('10.77.0.0'), prefix: 24 }, gateway: null, metric: 0 },
      { destination: { address: 0, prefix: 0 }, gateway: GW, metric: 0 },
    ]);
    expect(JSON.parse(JSON.stringify(ip.inspect()))).toMatchObject({ groups: [], reassembly: [], pathMtu: [] });
  });

  it('has no directed broadcast on a /31 (RFC 3021)', () => {
    const { ip } = rig({ address: parseCidr('10.77.0.2/31') });
    expect(ip.isLocal(ipv4('10.77.0.3'))).toBe(false);
  });

  it('close() releases timers and state; afterwards writes say closed', () => {
    const { ip, eth, sched, got } = rig();
    eth.deliver(buildPacket({ src: PEER, dst: US, payload: pattern(64), moreFragments: true }));
    ip.write(US, 17, 4, () => {});
    ip.joinGroup(ipv4('239.0.0.7'));
    expect(sched.pending()).toBe(2);
    expect(ip.reassembly().datagrams).toBe(1);
    ip.close();
    expect(sched.pending()).toBe(0);
    expect(ip.reassembly()).toEqual({ datagrams: 0, bytes: 0 });
    expect(eth.multicast.size).toBe(0);
    expect(ip.write(PEER, 17, 4, () => {})).toBe('closed');
    eth.deliver(buildPacket({ src: PEER, dst: US }));
    sched.runUntilIdle();
    expect(got).toHaveLength(0);
    expect(ip.stats.dropped['closed']).toBe(1);
    ip.close(); // idempotent
    expect(() => ip.register(6, { input: () => {} })).toThrow(/closed/);
  });
});

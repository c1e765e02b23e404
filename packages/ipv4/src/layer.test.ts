import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError, type IcmpErrorKind, type IpErrorInfo, type IpRxInfo, type Ipv4Config } from '@stack/interfaces';
import { IPV4_DEFAULTS } from './config.js';
import { Ipv4Flags } from './wire/fields.js';
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

describe('IPv4 layer: link-layer broadcasts (RFC 1122 §3.2.2)', () => {
  const GROUP_MAC = multicastMac(ipv4('224.0.0.251'));

  it('marks what came in a broadcast or multicast frame, whatever its IP destination', () => {
    const { eth, got } = rig();
    eth.deliver(buildPacket({ src: PEER, dst: US }));
    eth.deliver(buildPacket({ src: PEER, dst: US }), {}, 0x0800, MAC_BROADCAST);
    eth.deliver(buildPacket({ src: PEER, dst: US }), {}, 0x0800, GROUP_MAC);
    expect(got.map((g) => [g.info.broadcast, g.info.linkBroadcast])).toEqual([
      [false, false],
      [false, true],
      [false, true],
    ]);
  });

  it('never asks for protocol unreachable about a unicast datagram in a broadcast frame', () => {
    const { eth, ip, errors } = rig();
    eth.deliver(buildPacket({ src: PEER, dst: US, protocol: 99 }), {}, 0x0800, MAC_BROADCAST);
    eth.deliver(buildPacket({ src: PEER, dst: US, protocol: 99 }), {}, 0x0800, GROUP_MAC);
    expect(ip.stats.dropped['noProtocol']).toBe(2);
    expect(errors).toEqual([]);
    // the same datagram in a unicast frame is answered
    eth.deliver(buildPacket({ src: PEER, dst: US, protocol: 99 }));
    expect(errors.map((e) => e.kind)).toEqual(['protocol-unreachable']);
  });

  it('never sends reassembly time exceeded about fragments that came in a broadcast frame', () => {
    const { eth, sched, errors } = rig({ reassemblyTimeout: 1000 });
    // fragment zero in a broadcast frame
    const a = fragmentsOf({ src: PEER, dst: US, payload: pattern(300), identification: 1 }, 128);
    eth.deliver(a[0]!, {}, 0x0800, MAC_BROADCAST);
    // fragment zero unicast, a later one in a multicast frame
    const b = fragmentsOf({ src: PEER, dst: US, payload: pattern(300), identification: 2 }, 128);
    eth.deliver(b[0]!);
    eth.deliver(b[1]!, {}, 0x0800, GROUP_MAC);
    // all unicast: the control
    const c = fragmentsOf({ src: PEER, dst: US, payload: pattern(300), identification: 3 }, 128);
    eth.deliver(c[0]!);
    sched.runUntilIdle();
    expect(errors.map((e) => [e.kind, readU16(e.original, 4)])).toEqual([['reassembly-time-exceeded', 3]]);
  });

  it('a datagram reassembled from a fragment that came in a broadcast frame is marked too', () => {
    const { eth, got, ip, errors } = rig();
    ip.register(99, { input: (_p, info) => got.push({ payload: new Uint8Array(0), info: { ...info } }) });
    const f = fragmentsOf({ src: PEER, dst: US, payload: pattern(300), identification: 4 }, 128);
    eth.deliver(f[0]!);
    eth.deliver(f[1]!, {}, 0x0800, MAC_BROADCAST);
    eth.deliver(f[2]!);
    expect(got).toHaveLength(1);
    expect(got[0]!.info.linkBroadcast).toBe(true);
    // and an unknown protocol reassembled that way asks for no error
    const g = fragmentsOf({ src: PEER, dst: US, payload: pattern(300), identification: 5, protocol: 98 }, 128);
    eth.deliver(g[0]!, {}, 0x0800, MAC_BROADCAST);
    eth.deliver(g[1]!);
    eth.deliver(g[2]!);
    expect(ip.stats.dropped['noProtocol']).toBe(1);
    expect(errors).toEqual([]);
  });
});

describe('IPv4 layer: our own address as a source', () => {
  it('drops a datagram from the wire claiming our address, but delivers our looped-back ones', () => {
    const { eth, ip, got, sched } = rig();
    eth.deliver(buildPacket({ src: US, dst: US, payload: pattern(8) }));
    eth.deliver(buildPacket({ src: US, dst: 0xffffffff, payload: pattern(8) }));
    expect(got).toHaveLength(0);
    expect(ip.stats.dropped['badSource']).toBe(2);
    expect(ip.write(US, 17, 8, (buf) => buf.set(pattern(8)))).toBeNull();
    sched.runUntilIdle();
    expect(got).toHaveLength(1);
    expect(got[0]!.info).toMatchObject({ src: US, dst: US });
    expect(ip.stats.dropped['badSource']).toBe(2);
  });

  it('a host without an address yet (0.0.0.0) still takes datagrams from 0.0.0.0', () => {
    const { eth, got } = rig({ address: { address: 0, prefix: 0 }, gateway: null });
    eth.deliver(buildPacket({ src: 0, dst: 0xffffffff }));
    expect(got).toHaveLength(1);
  });
});

describe('IPv4 layer: one IpRxInfo per layer', () => {
  it('hands every datagram up in the same info object, refilled (no allocation per datagram)', () => {
    const { eth, ip } = rig();
    const seen: { info: IpRxInfo; src: number; protocol: number; length: number }[] = [];
    const record = (_p: Uint8Array, info: IpRxInfo) => seen.push({ info, src: info.src, protocol: info.protocol, length: info.packet.length });
    ip.register(6, { input: record });
    ip.register(99, { input: record });
    eth.deliver(buildPacket({ src: PEER, dst: US, protocol: 6, payload: pattern(4) }));
    eth.deliver(buildPacket({ src: GW, dst: US, protocol: 99, payload: pattern(12) }));
    expect(seen.map((s) => [s.src, s.protocol, s.length])).toEqual([
      [PEER, 6, 24],
      [GW, 99, 32],
    ]);
    expect(seen[0]!.info).toBe(seen[1]!.info);
    // after the callback, it no longer holds the datagram
    expect(seen[1]!.info.packet.length).toBe(0);
  });

  it('a datagram handed in from inside a handler gets its own info: the outer one is intact', () => {
    const { eth, ip } = rig();
    const outer: unknown[] = [];
    const inner: unknown[] = [];
    ip.register(6, { input: (_p, info) => inner.push([info.src, info.protocol, info.ttl]) });
    ip.register(99, {
      input: (_p, info) => {
        eth.deliver(buildPacket({ src: GW, dst: US, protocol: 6, ttl: 3 }));
        outer.push([info.src, info.protocol, info.ttl, info.packet.length]);
      },
    });
    eth.deliver(buildPacket({ src: PEER, dst: US, protocol: 99, ttl: 9, payload: pattern(4) }));
    expect(inner).toEqual([[GW, 6, 3]]);
    expect(outer).toEqual([[PEER, 99, 9, 24]]);
  });
});

describe('IPv4 layer: identification (RFC 7739 §5)', () => {
  const id = (w: { bytes: Uint8Array }) => readU16(w.bytes, 4);

  it('counts up per destination, but ids toward different destinations are unrelated', () => {
    const { ip, arp } = rig();
    for (let i = 0; i < 3; i++) ip.write(PEER, 17, 0, () => {});
    const toPeer = arp.writes.map(id);
    expect(toPeer).toEqual([toPeer[0], (toPeer[0]! + 1) & 0xffff, (toPeer[0]! + 2) & 0xffff]);
    // one datagram to each of 200 destinations: with one global counter every
    // id would be the previous one plus one
    arp.writes.length = 0;
    for (let i = 0; i < 200; i++) ip.write(ipv4('192.0.2.0') + i, 17, 0, () => {});
    const ids = arp.writes.map(id);
    let successors = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i] === ((ids[i - 1]! + 1) & 0xffff)) successors++;
    expect(successors).toBeLessThan(5);
    expect(new Set(ids).size).toBeGreaterThan(190);
    // and the counter toward PEER went on where it was
    ip.write(PEER, 17, 0, () => {});
    expect(id(arp.writes.at(-1)!)).toBe((toPeer[2]! + 1) & 0xffff);
  });

  it('is deterministic under a seed, and another seed gives other ids', () => {
    const ids = (seed: number) => {
      const { ip, arp } = rig({}, 1500, seed);
      for (const dst of [PEER, FAR, GW, PEER]) ip.write(dst, 17, 0, () => {});
      return arp.writes.map(id);
    };
    expect(ids(7)).toEqual(ids(7));
    expect(ids(7)).not.toEqual(ids(8));
  });

  it('the fragments of one datagram share its id; the loopback path counts too', () => {
    const { ip, arp, sched, got } = rig();
    ip.write(PEER, 17, 3000, () => {});
    expect(new Set(arp.writes.map(id)).size).toBe(1);
    ip.write(US, 17, 4, () => {});
    ip.write(US, 17, 4, () => {});
    sched.runUntilIdle();
    const a = readU16(got[0]!.info.packet, 4);
    expect(readU16(got[1]!.info.packet, 4)).toBe((a + 1) & 0xffff);
  });
});

describe('IPv4 layer: tunables from the config', () => {
  it('loopbackQueue bounds the datagrams to ourselves waiting for the scheduler', () => {
    const { ip, sched, got } = rig({ loopbackQueue: 2 });
    expect(ip.write(US, 17, 1, () => {})).toBeNull();
    expect(ip.write(US, 17, 1, () => {})).toBeNull();
    expect(ip.write(US, 17, 1, () => {})).toBe('queue-full');
    sched.runUntilIdle();
    expect(got).toHaveLength(2);
    expect(ip.write(US, 17, 1, () => {})).toBeNull();
    const big = rig();
    for (let i = 0; i < 64; i++) expect(big.ip.write(US, 17, 1, () => {})).toBeNull();
    expect(big.ip.write(US, 17, 1, () => {})).toBe('queue-full');
  });

  it('pathMtuCacheSize bounds the destinations with a learned path MTU, the oldest forgotten first', () => {
    const { ip } = rig({ pathMtuCacheSize: 2 });
    const dsts = [ipv4('192.0.2.1'), ipv4('192.0.2.2'), ipv4('192.0.2.3')];
    for (const d of dsts) ip.updatePathMtu(d, 1000);
    expect(dsts.map((d) => ip.mtu(d))).toEqual([1500, 1000, 1000]);
    expect(ip.inspect().pathMtu).toHaveLength(2);
    expect(ip.config).toMatchObject({ pathMtuCacheSize: 2, loopbackQueue: 64 });
  });
});

describe('IPv4: shared tables are frozen', () => {
  it('a caller cannot change the defaults or the flag bits another stack uses', () => {
    expect(() => {
      (IPV4_DEFAULTS as { ttl: number }).ttl = 1;
    }).toThrow(TypeError);
    expect(() => {
      (Ipv4Flags as { MF: number }).MF = 0;
    }).toThrow(TypeError);
    const { ip, arp } = rig();
    expect(ip.config.ttl).toBe(64);
    ip.write(PEER, 17, 3000, () => {});
    expect(arp.writes.map((w) => header(w.bytes).moreFragments)).toEqual([true, true, false]);
    expect(arp.writes.every((w) => header(w.bytes).ttl === 64)).toBe(true);
  });
});

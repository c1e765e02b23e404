import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError, type EthernetRxInfo } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { ipv4, toHex } from '@stack/wire';
import { createArp, type Arp } from './layer.js';
import type { ArpOptions } from './config.js';
import { emitArp, parseArp, type ArpRepr } from './wire/arp.js';
import { FakeSegment, type FakeEthernet } from './fixtures/fake-ethernet.js';
import { linuxFixture } from './fixtures/linux.js';

const A_MAC = 0x02000000000a;
const B_MAC = 0x02000000000b;
const C_MAC = 0x02000000000c;
const BCAST = 0xffffffffffff;
const A_IP = ipv4('10.77.0.1');
const B_IP = ipv4('10.77.0.2');
const C_IP = ipv4('10.77.0.3');
const D_IP = ipv4('10.77.0.4');
const IPV4 = 0x0800;

interface Net {
  scheduler: SimScheduler;
  seg: FakeSegment;
  ethA: FakeEthernet;
  ethB: FakeEthernet;
  a: Arp;
  b: Arp;
  /** IPv4 payloads B received, as hex. */
  atB: string[];
}

/** Two hosts on one segment, each with ARP; B collects the IPv4 packets it gets. */
function net(aConfig: Partial<ArpOptions> = {}, bConfig: Partial<ArpOptions> = {}, seed = 1): Net {
  const scheduler = new SimScheduler();
  const random = new SeededRandom(seed);
  const seg = new FakeSegment(scheduler);
  const ethA = seg.attach(A_MAC);
  const ethB = seg.attach(B_MAC);
  const a = createArp(ethA, { scheduler, random }, { address: A_IP, ...aConfig });
  const b = createArp(ethB, { scheduler, random: random.fork() }, { address: B_IP, ...bConfig });
  const atB: string[] = [];
  ethB.register(IPV4, (p) => atB.push(toHex(p)));
  return { scheduler, seg, ethA, ethB, a, b, atB };
}

/** The ARP packets an endpoint sent, decoded. */
function arps(eth: FakeEthernet): (ArpRepr & { time: number; dst: number })[] {
  return eth.sent
    .filter((f) => f.etherType === 0x0806)
    .map((f) => {
      const r = parseArp(f.payload);
      if (!r.ok) throw new Error(`we sent a bad ARP packet: ${r.error.message}`);
      return { time: f.time, dst: f.dst, ...r.value };
    });
}

/** Sends a hand-built ARP packet from a bare endpoint (no ARP layer of its own). */
function sendArp(from: FakeEthernet, dst: number, repr: ArpRepr): void {
  from.write(dst, 0x0806, 28, (buf) => emitArp(repr, buf));
}

const bytes = (...b: number[]) => (buf: Uint8Array) => buf.set(b);
const INFO: EthernetRxInfo = { src: C_MAC, dst: BCAST, etherType: 0x0806, vlan: -1, meta: { checksumVerified: false, checksumPartial: false } };

describe('ARP: resolution between two hosts', () => {
  it('request, reply, and the queued packet goes out after the reply', () => {
    const { scheduler, ethA, ethB, a, b, atB } = net();
    expect(a.write(B_IP, IPV4, 3, bytes(1, 2, 3))).toBe(true);
    expect(atB).toEqual([]);
    const [req] = arps(ethA);
    expect(req).toEqual({ time: 0, dst: BCAST, operation: 1, senderMac: A_MAC, senderIp: A_IP, targetMac: 0, targetIp: B_IP });
    scheduler.runFor(10);
    const [reply] = arps(ethB);
    expect(reply).toEqual({ time: 1, dst: A_MAC, operation: 2, senderMac: B_MAC, senderIp: B_IP, targetMac: A_MAC, targetIp: A_IP });
    expect(atB).toEqual(['010203']);
    expect(ethA.sent.find((f) => f.etherType === IPV4)).toMatchObject({ time: 2, dst: B_MAC });
    // both learned: A from the reply to its request, B from the request for its address
    expect(a.lookup(B_IP)).toBe(B_MAC);
    expect(b.lookup(A_IP)).toBe(A_MAC);
    expect(a.stats).toMatchObject({ requestsSent: 1, flushed: 1, rx: 1, tx: 1 });
    expect(b.stats).toMatchObject({ repliesSent: 1, rx: 1, tx: 1 });
    // now cached: the next write goes out at once, without ARP
    expect(a.write(B_IP, IPV4, 1, bytes(9))).toBe(true);
    expect(ethA.sent.at(-1)).toMatchObject({ dst: B_MAC, etherType: IPV4 });
    expect(arps(ethA)).toHaveLength(1);
    scheduler.runFor(10);
    expect(atB).toEqual(['010203', '09']);
  });

  it('entries() is plain JSON', () => {
    const { scheduler, a } = net();
    a.write(B_IP, IPV4, 1, bytes(1));
    expect(JSON.parse(JSON.stringify(a.entries()))).toEqual([{ ip: B_IP, mac: null, state: 'incomplete', expiresAt: 1000, failed: false, queued: 1 }]);
    scheduler.runFor(10);
    expect(JSON.parse(JSON.stringify(a.entries()))).toEqual([{ ip: B_IP, mac: B_MAC, state: 'reachable', expiresAt: 60_002, failed: false, queued: 0 }]);
  });

  it('the queue per address is bounded (oldest dropped) and flushed in order', () => {
    const { scheduler, a, atB } = net({ queuePerAddress: 3 });
    for (let i = 0; i < 5; i++) expect(a.write(B_IP, IPV4, 1, bytes(i))).toBe(true);
    expect(a.stats.dropped.queueFull).toBe(2);
    expect(a.entries()[0]!.queued).toBe(3);
    scheduler.runFor(10);
    expect(atB).toEqual(['02', '03', '04']);
  });

  it('the total queue is bounded: the oldest packet of all goes first', () => {
    const { scheduler, a, atB } = net({ queuePerAddress: 4, queueTotal: 5 });
    for (const i of [0xc0, 0xc1, 0xc2]) a.write(C_IP, IPV4, 1, bytes(i)); // C is not there
    for (const i of [0xb0, 0xb1, 0xb2]) a.write(B_IP, IPV4, 1, bytes(i));
    expect(a.stats.dropped.queueFull).toBe(1);
    expect(a.entries().map((e) => e.queued)).toEqual([2, 3]);
    scheduler.runFor(10_000);
    expect(atB).toEqual(['b0', 'b1', 'b2']);
    expect(a.stats.dropped.unresolved).toBe(2); // c1, c2 when C failed
  });

  it('copies the packet once at write time: later changes to the caller\'s bytes do not leak in', () => {
    const { scheduler, a, atB } = net();
    const mine = Uint8Array.from([7, 7]);
    a.write(B_IP, IPV4, 2, (buf) => buf.set(mine));
    mine.fill(0);
    scheduler.runFor(10);
    expect(atB).toEqual(['0707']);
  });

  it('retries every retryInterval, fails after `retries` requests, and caches the failure', () => {
    const { scheduler, ethA, ethB, a } = net({ retries: 3, retryInterval: 1000, failureTime: 3000 });
    ethB.up = false; // B is gone
    a.write(B_IP, IPV4, 1, bytes(1));
    a.write(B_IP, IPV4, 1, bytes(2));
    scheduler.runUntilTime(2999);
    expect(arps(ethA).map((r) => [r.time, r.dst, r.targetIp])).toEqual([[0, BCAST, B_IP], [1000, BCAST, B_IP], [2000, BCAST, B_IP]]);
    expect(a.stats.dropped.unresolved).toBe(0);
    scheduler.runUntilTime(3000);
    expect(a.stats.dropped.unresolved).toBe(2);
    expect(a.entries()).toEqual([{ ip: B_IP, mac: null, state: 'incomplete', expiresAt: 6000, failed: true, queued: 0 }]);
    // negative cache: refused at once, no new request
    scheduler.runUntilTime(4000);
    expect(a.write(B_IP, IPV4, 1, bytes(3))).toBe(false);
    expect(a.stats.dropped.unresolved).toBe(3);
    expect(arps(ethA)).toHaveLength(3);
    // after failureTime a write tries again
    scheduler.runUntilTime(6000);
    expect(a.entries()).toEqual([]);
    expect(a.write(B_IP, IPV4, 1, bytes(4))).toBe(true);
    expect(arps(ethA).map((r) => r.time)).toEqual([0, 1000, 2000, 6000]);
  });

  it('keeps ONE timer for all entries, not one per entry', () => {
    const scheduler = new SimScheduler();
    const seg = new FakeSegment(scheduler);
    const a = createArp(seg.attach(A_MAC), { scheduler, random: new SeededRandom(1) }, { address: A_IP });
    for (let i = 0; i < 10; i++) a.write(ipv4(`10.77.1.${i}`), IPV4, 1, bytes(i));
    expect(scheduler.pending()).toBe(1);
    scheduler.runUntilTime(1500);
    expect(scheduler.pending()).toBe(1);
    a.close();
    expect(scheduler.pending()).toBe(0);
  });
});

describe('ARP: ageing', () => {
  it('reachable → stale after reachableTime; a use revalidates by unicast; unused stale entries are forgotten', () => {
    const { scheduler, ethA, a, atB } = net({ reachableTime: 10_000 });
    a.write(B_IP, IPV4, 1, bytes(1));
    scheduler.runFor(10); // resolved at t=2: reachable until 10_002
    scheduler.runUntilTime(10_001);
    expect(a.entries()[0]).toMatchObject({ state: 'reachable', expiresAt: 10_002 });
    scheduler.runUntilTime(10_002);
    expect(a.entries()[0]).toMatchObject({ state: 'stale', mac: B_MAC, expiresAt: 20_002 });
    expect(a.lookup(B_IP)).toBe(B_MAC);
    scheduler.runUntilTime(11_000);
    const before = arps(ethA).length;
    expect(a.write(B_IP, IPV4, 1, bytes(2))).toBe(true); // sent at once with the stale MAC...
    expect(ethA.sent.filter((f) => f.etherType === IPV4).at(-1)).toMatchObject({ dst: B_MAC, time: 11_000 });
    const reval = arps(ethA).slice(before);
    expect(reval.map((r) => [r.time, r.dst, r.operation, r.targetIp])).toEqual([[11_000, B_MAC, 1, B_IP]]); // ...and a unicast poll
    scheduler.runFor(10);
    expect(atB).toEqual(['01', '02']);
    expect(a.entries()[0]).toMatchObject({ state: 'reachable', expiresAt: 21_002 });
    // unused from now: stale at 21_002, forgotten at 31_002
    scheduler.runUntilTime(31_001);
    expect(a.entries()[0]).toMatchObject({ state: 'stale' });
    scheduler.runUntilTime(31_002);
    expect(a.entries()).toEqual([]);
    expect(a.lookup(B_IP)).toBeUndefined();
  });

  it('a stale entry whose revalidation goes unanswered is dropped; the next write resolves afresh', () => {
    const { scheduler, ethA, ethB, a } = net({ reachableTime: 5_000, retries: 2 });
    a.write(B_IP, IPV4, 1, bytes(1));
    scheduler.runUntilTime(6_000);
    ethB.up = false;
    const before = arps(ethA).length;
    a.write(B_IP, IPV4, 1, bytes(2));
    scheduler.runUntilTime(7_999);
    expect(arps(ethA).slice(before).map((r) => [r.time, r.dst])).toEqual([[6_000, B_MAC], [7_000, B_MAC]]);
    expect(a.lookup(B_IP)).toBe(B_MAC);
    scheduler.runUntilTime(8_000);
    expect(a.lookup(B_IP)).toBeUndefined();
    a.write(B_IP, IPV4, 1, bytes(3));
    expect(arps(ethA).at(-1)).toMatchObject({ time: 8_000, dst: BCAST, targetIp: B_IP });
  });

  it('static entries never expire, are never overwritten, and need no request', () => {
    const { scheduler, seg, ethA, a } = net({ static: [{ ip: D_IP, mac: 0x02000000000d }] });
    a.addStatic(C_IP, C_MAC);
    scheduler.runFor(10 * 3_600_000);
    expect(a.lookup(C_IP)).toBe(C_MAC);
    expect(a.lookup(D_IP)).toBe(0x02000000000d);
    const impostor = seg.attach(0x0200000000ee);
    sendArp(impostor, BCAST, { operation: 1, senderMac: 0x0200000000ee, senderIp: C_IP, targetMac: 0, targetIp: A_IP });
    scheduler.runFor(10);
    expect(a.lookup(C_IP)).toBe(C_MAC);
    expect(a.entries().find((e) => e.ip === C_IP)).toMatchObject({ state: 'static', expiresAt: null });
    a.write(C_IP, IPV4, 1, bytes(1));
    expect(ethA.sent.at(-1)).toMatchObject({ dst: C_MAC, etherType: IPV4 });
    expect(a.stats.requestsSent).toBe(0);
    a.remove(C_IP);
    expect(a.lookup(C_IP)).toBeUndefined();
  });

  it('a static entry added while resolving flushes the queue to it', () => {
    const { a, ethA } = net();
    a.write(C_IP, IPV4, 1, bytes(5));
    a.addStatic(C_IP, C_MAC);
    expect(ethA.sent.at(-1)).toMatchObject({ dst: C_MAC, etherType: IPV4 });
    expect(a.stats.flushed).toBe(1);
  });
});

describe('ARP: cache size and rate limit', () => {
  it('evicts the oldest non-static entry at cacheSize', () => {
    const { scheduler, seg, a } = net({ cacheSize: 3 });
    a.addStatic(D_IP, 0x02000000000d);
    const hosts = [1, 2, 3].map((i) => ({ ip: ipv4(`10.77.2.${i}`), mac: 0x020000000100 + i }));
    for (const h of hosts) {
      sendArp(seg.attach(h.mac), BCAST, { operation: 1, senderMac: h.mac, senderIp: h.ip, targetMac: 0, targetIp: A_IP });
      scheduler.runFor(5);
    }
    expect(a.entries().map((e) => e.ip)).toEqual([D_IP, hosts[1]!.ip, hosts[2]!.ip]);
    expect(a.lookup(hosts[0]!.ip)).toBeUndefined();
  });

  it('an evicted incomplete entry drops its queue (counted)', () => {
    const scheduler = new SimScheduler();
    const a = createArp(new FakeSegment(scheduler).attach(A_MAC), { scheduler, random: new SeededRandom(1) }, { address: A_IP, cacheSize: 2 });
    a.write(B_IP, IPV4, 1, bytes(1));
    a.write(B_IP, IPV4, 1, bytes(2));
    a.write(C_IP, IPV4, 1, bytes(3));
    a.write(D_IP, IPV4, 1, bytes(4));
    expect(a.entries().map((e) => e.ip)).toEqual([C_IP, D_IP]);
    expect(a.stats.dropped.evicted).toBe(2);
  });

  it('a cache full of static entries refuses new dynamic ones', () => {
    const scheduler = new SimScheduler();
    const a = createArp(new FakeSegment(scheduler).attach(A_MAC), { scheduler, random: new SeededRandom(1) }, { address: A_IP, cacheSize: 1, static: [{ ip: C_IP, mac: C_MAC }] });
    expect(a.write(B_IP, IPV4, 1, bytes(1))).toBe(false);
    expect(a.stats.dropped.cacheFull).toBe(1);
  });

  it('rate-limits requests with a token bucket on virtual time', () => {
    const scheduler = new SimScheduler();
    const seg = new FakeSegment(scheduler);
    const ethA = seg.attach(A_MAC);
    const a = createArp(ethA, { scheduler, random: new SeededRandom(1) }, { address: A_IP, requestsPerSecond: 2, retries: 2 });
    for (let i = 0; i < 5; i++) expect(a.write(ipv4(`10.77.3.${i}`), IPV4, 1, bytes(i))).toBe(true);
    expect(a.stats.requestsSent).toBe(2);
    expect(a.stats.dropped.rateLimited).toBe(3);
    scheduler.runUntilTime(1000); // the retries of all five fall due; one second refilled two tokens
    expect(a.stats.requestsSent).toBe(4);
    expect(a.stats.dropped.rateLimited).toBe(6);
    expect(arps(ethA).map((r) => r.time)).toEqual([0, 0, 1000, 1000]);
    scheduler.runUntilTime(2000);
    expect(a.stats.dropped.unresolved).toBe(5); // retries (attempts) used up
  });
});

describe('ARP: receiving', () => {
  function withBareC(aConfig: Partial<ArpOptions> = {}) {
    const n = net(aConfig);
    const ethC = n.seg.attach(C_MAC);
    return { ...n, ethC };
  }

  it('never answers for addresses not ours, and learns nothing from requests not for us', () => {
    const { scheduler, ethA, ethC, a } = withBareC();
    sendArp(ethC, BCAST, { operation: 1, senderMac: C_MAC, senderIp: C_IP, targetMac: 0, targetIp: D_IP });
    scheduler.runFor(10);
    expect(arps(ethA)).toEqual([]);
    expect(a.lookup(C_IP)).toBeUndefined();
    expect(a.stats.rx).toBe(1);
  });

  it('does not learn from a reply it did not ask for', () => {
    const { scheduler, ethC, a } = withBareC();
    sendArp(ethC, A_MAC, { operation: 2, senderMac: C_MAC, senderIp: C_IP, targetMac: A_MAC, targetIp: A_IP });
    scheduler.runFor(10);
    expect(a.lookup(C_IP)).toBeUndefined();
    expect(a.entries()).toEqual([]);
  });

  it('gratuitous ARP (request or reply) updates an existing entry and creates none', () => {
    const { scheduler, seg, ethB, a } = withBareC();
    a.write(B_IP, IPV4, 1, bytes(1));
    scheduler.runFor(10);
    expect(a.lookup(B_IP)).toBe(B_MAC);
    ethB.up = false; // (else B would defend its address, RFC 5227 §2.4, and A would follow B back)
    const moved = seg.attach(0x0200000000bb); // B's address moved to a new NIC
    sendArp(moved, BCAST, { operation: 1, senderMac: 0x0200000000bb, senderIp: B_IP, targetMac: 0, targetIp: B_IP });
    scheduler.runFor(10);
    expect(a.lookup(B_IP)).toBe(0x0200000000bb);
    sendArp(moved, BCAST, { operation: 2, senderMac: 0x0200000000bc, senderIp: B_IP, targetMac: BCAST, targetIp: B_IP });
    scheduler.runFor(10);
    expect(a.lookup(B_IP)).toBe(0x0200000000bc);
    sendArp(moved, BCAST, { operation: 1, senderMac: 0x0200000000bb, senderIp: D_IP, targetMac: 0, targetIp: D_IP });
    scheduler.runFor(10);
    expect(a.lookup(D_IP)).toBeUndefined();
  });

  it('answers a probe for our address with target IP 0 (its conflict signal) and learns nothing', () => {
    const { scheduler, ethA, ethC, a } = withBareC();
    sendArp(ethC, BCAST, { operation: 1, senderMac: C_MAC, senderIp: 0, targetMac: 0, targetIp: A_IP });
    scheduler.runFor(10);
    expect(arps(ethA)).toEqual([{ time: 1, dst: C_MAC, operation: 2, senderMac: A_MAC, senderIp: A_IP, targetMac: C_MAC, targetIp: 0 }]);
    expect(a.entries()).toEqual([]);
  });

  it('defends our address against another claimant at most once per 10 s (RFC 5227 §2.4)', () => {
    const { scheduler, ethA, ethC, a } = withBareC();
    const claim = { operation: 1, senderMac: C_MAC, senderIp: A_IP, targetMac: 0, targetIp: A_IP };
    sendArp(ethC, BCAST, claim);
    scheduler.runFor(10);
    sendArp(ethC, BCAST, claim);
    scheduler.runFor(10);
    expect(a.stats.conflicts).toBe(2);
    expect(arps(ethA).map((r) => [r.dst, r.senderIp, r.targetIp])).toEqual([[BCAST, A_IP, A_IP]]);
    expect(a.lookup(A_IP)).toBeUndefined();
    scheduler.runFor(10_000);
    sendArp(ethC, BCAST, claim);
    scheduler.runFor(10);
    expect(arps(ethA)).toHaveLength(2);
  });

  it('ignores (and counts) our own packets, group sender MACs, odd operations and impossible addresses', () => {
    const { a, ethA } = withBareC();
    const base = { operation: 1, senderMac: C_MAC, senderIp: C_IP, targetMac: 0, targetIp: A_IP };
    const feed = (r: Partial<ArpRepr>) => {
      const buf = new Uint8Array(28);
      emitArp({ ...base, ...r }, buf);
      a.input(buf, INFO);
    };
    feed({ senderMac: A_MAC });
    feed({ senderMac: BCAST });
    feed({ senderMac: 0x01005e000001 });
    feed({ operation: 3 });
    feed({ senderIp: ipv4('224.0.0.1') });
    feed({ senderIp: ipv4('255.255.255.255') });
    feed({ targetIp: ipv4('127.0.0.1') });
    expect(a.stats.dropped).toMatchObject({ ownSender: 1, multicastSender: 2, unsupported: 1, malformed: 3 });
    expect(arps(ethA)).toEqual([]);
    expect(a.entries()).toEqual([]);
    const good = new Uint8Array(28);
    emitArp(base, good);
    a.input(good.subarray(0, 5), INFO);
    a.input(good.subarray(0, 27), INFO);
    a.input(Uint8Array.from([0, 6, 8, 0, 6, 4, 0, 1]), INFO); // IEEE 802 hardware
    expect(a.stats.dropped).toMatchObject({ truncated: 2, unsupported: 2 });
    expect(a.stats.rx).toBe(10);
    expect(a.entries()).toEqual([]);
  });

  it('property: random and mutated bytes never throw', () => {
    const valid = new Uint8Array(28);
    emitArp({ operation: 1, senderMac: C_MAC, senderIp: C_IP, targetMac: 0, targetIp: A_IP }, valid);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(
          fc.uint8Array({ maxLength: 60 }),
          fc.array(fc.tuple(fc.nat(27), fc.nat(255)), { maxLength: 4 }).map((flips) => {
            const b = valid.slice();
            for (const [i, v] of flips) b[i] = v;
            return b;
          }),
        ), { maxLength: 30 }),
        (payloads) => {
          const { scheduler, a } = net();
          for (const p of payloads) a.input(p, INFO);
          scheduler.runFor(100_000);
          expect(a.stats.rx).toBe(payloads.length);
          a.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('ARP: RFC 5227 probe and announce', () => {
  it('no conflict: probeCount probes with sender IP 0, randomly spaced, then free after announceWait', async () => {
    const { scheduler, ethA, a } = net({}, {}, 42);
    const started = scheduler.now();
    const free = await scheduler.runUntilSettled(a.probe(D_IP));
    expect(free).toBe(true);
    const probes = arps(ethA);
    expect(probes).toHaveLength(3);
    for (const p of probes) expect(p).toMatchObject({ dst: BCAST, operation: 1, senderMac: A_MAC, senderIp: 0, targetMac: 0, targetIp: D_IP });
    expect(probes[0]!.time - started).toBeGreaterThanOrEqual(0);
    expect(probes[0]!.time - started).toBeLessThanOrEqual(1000); // PROBE_WAIT
    for (let i = 1; i < 3; i++) {
      const gap = probes[i]!.time - probes[i - 1]!.time;
      expect(gap).toBeGreaterThanOrEqual(1000);
      expect(gap).toBeLessThanOrEqual(2000);
    }
    expect(scheduler.now()).toBe(probes[2]!.time + 2000); // ANNOUNCE_WAIT
    expect(a.stats.probesSent).toBe(3);
  });

  it('the spacing comes from deps.random: another seed, other times', async () => {
    const times = async (seed: number) => {
      const { scheduler, ethA, a } = net({}, {}, seed);
      await scheduler.runUntilSettled(a.probe(D_IP));
      return arps(ethA).map((p) => p.time);
    };
    expect(await times(7)).toEqual(await times(7));
    expect(await times(7)).not.toEqual(await times(8));
  });

  it('conflict: the owner of the address answers the probe', async () => {
    const { scheduler, a, b } = net();
    const free = await scheduler.runUntilSettled(a.probe(B_IP));
    expect(free).toBe(false);
    expect(a.stats.conflicts).toBe(1);
    expect(b.stats.repliesSent).toBe(1);
    expect(a.stats.probesSent).toBe(1);
    expect(a.lookup(B_IP)).toBeUndefined(); // a probe's answer targets IP 0: nothing learned
  });

  it('conflict: another host probes for the same address', async () => {
    const { scheduler, seg, a } = net({ probeWait: 0, probeMin: 1000, probeMax: 1000 });
    const ethC = seg.attach(C_MAC);
    const result = a.probe(D_IP);
    scheduler.at(1500, () => sendArp(ethC, BCAST, { operation: 1, senderMac: C_MAC, senderIp: 0, targetMac: 0, targetIp: D_IP }));
    expect(await scheduler.runUntilSettled(result)).toBe(false);
    expect(scheduler.now()).toBe(1501);
    expect(a.stats.probesSent).toBe(2);
  });

  it('a probe for another address by someone else is no conflict', async () => {
    const { scheduler, seg, a } = net();
    const ethC = seg.attach(C_MAC);
    const result = a.probe(D_IP);
    scheduler.at(500, () => sendArp(ethC, BCAST, { operation: 1, senderMac: C_MAC, senderIp: 0, targetMac: 0, targetIp: C_IP }));
    expect(await scheduler.runUntilSettled(result)).toBe(true);
  });

  it('announce(): announceCount gratuitous requests announceInterval apart', () => {
    const { scheduler, ethA, ethB, a, b } = net({ announceCount: 3, announceInterval: 2000 });
    b.write(A_IP, IPV4, 1, bytes(1));
    scheduler.runFor(10);
    expect(b.lookup(A_IP)).toBe(A_MAC);
    scheduler.runUntilTime(1000);
    const before = arps(ethA).length;
    a.announce();
    scheduler.runFor(10_000);
    expect(arps(ethA).slice(before).map((r) => [r.time, r.dst, r.operation, r.senderIp, r.targetIp, r.senderMac])).toEqual([
      [1000, BCAST, 1, A_IP, A_IP, A_MAC],
      [3000, BCAST, 1, A_IP, A_IP, A_MAC],
      [5000, BCAST, 1, A_IP, A_IP, A_MAC],
    ]);
    expect(a.stats.announcementsSent).toBe(3);
    expect(ethB.received.length).toBeGreaterThan(0);
  });
});

describe('ARP: misuse and close', () => {
  it('an Ethernet layer that calls back into ARP from inside write loses no action (the reused batch is not recycled mid-loop)', () => {
    const scheduler = new SimScheduler();
    const seg = new FakeSegment(scheduler);
    const eth = seg.attach(A_MAC);
    const a = createArp(eth, { scheduler, random: new SeededRandom(1) }, { address: A_IP });
    const arpIn = (r: ArpRepr): void => {
      const b = new Uint8Array(28);
      emitArp(r, b);
      a.input(b, INFO);
    };
    for (const x of [1, 2, 3]) a.write(B_IP, IPV4, 1, bytes(x));
    // Breaks the contract on purpose: the first flushed packet makes a request from C arrive synchronously.
    const write = eth.write.bind(eth);
    let injected = false;
    eth.write = (dst, etherType, length, fill) => {
      const sent = write(dst, etherType, length, fill);
      if (etherType === IPV4 && !injected) {
        injected = true;
        arpIn({ operation: 1, senderMac: C_MAC, senderIp: C_IP, targetMac: 0, targetIp: A_IP });
      }
      return sent;
    };
    arpIn({ operation: 2, senderMac: B_MAC, senderIp: B_IP, targetMac: A_MAC, targetIp: A_IP });
    expect(eth.sent.slice(1).map((f) => (f.etherType === IPV4 ? `ip ${f.payload[0]}` : `arp ${parseArp(f.payload).ok && f.dst === C_MAC ? 'reply to C' : '?'}`))).toEqual([
      'ip 1', 'ip 2', 'ip 3', 'arp reply to C',
    ]);
    expect(a.stats).toMatchObject({ flushed: 3, repliesSent: 1 });
  });

  it('maps broadcast and multicast next hops without resolution', () => {
    const { ethA, a } = net();
    a.write(0xffffffff, IPV4, 1, bytes(1));
    a.write(ipv4('224.0.0.251'), IPV4, 1, bytes(2));
    expect(ethA.sent.map((f) => [f.dst, f.etherType])).toEqual([[BCAST, IPV4], [0x01005e0000fb, IPV4]]);
  });

  it('throws StackError on bad arguments and config', () => {
    const { a } = net();
    expect(() => a.write(-1, IPV4, 1, bytes(1))).toThrow(/IPv4/);
    expect(() => a.write(C_IP, IPV4, -1, bytes(1))).toThrow(/length/);
    expect(() => a.addStatic(C_IP, 2 ** 48)).toThrow(/MAC/);
    const scheduler = new SimScheduler();
    const eth = new FakeSegment(scheduler).attach(A_MAC);
    for (const bad of [{ cacheSize: 0 }, { retries: 0 }, { probeMin: 3000, probeMax: 2000 }, { requestsPerSecond: 0 }, { address: -5 }, { static: [{ ip: 1, mac: -1 }] }]) {
      try {
        createArp(eth, { scheduler, random: new SeededRandom(1) }, { address: A_IP, ...bad });
        expect.unreachable();
      } catch (e) {
        expect(isStackError(e, 'ERR_INVALID_CONFIG')).toBe(true);
        expect((e as Error).message).toMatch(/arp\.\w+.*allowed/);
      }
    }
  });

  it('refuses to queue a packet larger than the link carries', () => {
    const { a } = net();
    expect(a.write(C_IP, IPV4, 1501, bytes())).toBe(false);
    expect(a.stats.dropped.tooBig).toBe(1);
  });

  it('close() cancels the timer, drops queued packets, settles probes, and refuses further use', async () => {
    const scheduler = new SimScheduler();
    const seg = new FakeSegment(scheduler);
    const ethA = seg.attach(A_MAC);
    const a = createArp(ethA, { scheduler, random: new SeededRandom(3) }, { address: A_IP });
    a.write(C_IP, IPV4, 1, bytes(1));
    a.write(D_IP, IPV4, 1, bytes(2));
    a.announce();
    const probe = a.probe(ipv4('10.77.0.9'));
    expect(scheduler.pending()).toBe(1);
    a.close();
    expect(scheduler.pending()).toBe(0);
    expect(await probe).toBe(false);
    expect(a.stats.dropped.closed).toBe(2);
    const sent = ethA.sent.length;
    scheduler.runFor(100_000);
    expect(ethA.sent.length).toBe(sent);
    expect(() => a.write(C_IP, IPV4, 1, bytes(1))).toThrow(/closed/);
    try { a.announce(); } catch (e) { expect(isStackError(e, 'ERR_CLOSED')).toBe(true); }
    a.close(); // idempotent
    a.input(new Uint8Array(28), INFO); // ignored
    expect(a.stats.rx).toBe(0);
  });

  it('after a whole exchange, close() leaves nothing scheduled', () => {
    const { scheduler, a, b } = net();
    a.write(B_IP, IPV4, 1, bytes(1));
    scheduler.runFor(10);
    a.close();
    b.close();
    expect(scheduler.pending()).toBe(0);
  });

  it('setAddress moves what we answer for', () => {
    const { scheduler, ethA, seg, a } = net({ address: 0 });
    const ethC = seg.attach(C_MAC);
    sendArp(ethC, BCAST, { operation: 1, senderMac: C_MAC, senderIp: C_IP, targetMac: 0, targetIp: A_IP });
    scheduler.runFor(10);
    expect(arps(ethA)).toEqual([]);
    a.setAddress(A_IP);
    expect(a.address).toBe(A_IP);
    sendArp(ethC, BCAST, { operation: 1, senderMac: C_MAC, senderIp: C_IP, targetMac: 0, targetIp: A_IP });
    scheduler.runFor(10);
    expect(arps(ethA)).toHaveLength(1);
  });
});

describe('ARP: what we send is what Linux sends', () => {
  // The two hosts of the capture in fixtures/linux-arp.hex.
  const M1 = 0x020000005101;
  const M2 = 0x020000005102;
  const IP1 = ipv4('10.77.51.1');
  const IP2 = ipv4('10.77.51.2');

  function linuxPair(config: Partial<ArpOptions> = {}) {
    const scheduler = new SimScheduler();
    const seg = new FakeSegment(scheduler);
    const eth1 = seg.attach(M1);
    const eth2 = seg.attach(M2);
    const random = new SeededRandom(9);
    const h1 = createArp(eth1, { scheduler, random }, { address: IP1, ...config });
    const h2 = createArp(eth2, { scheduler, random }, { address: IP2, ...config });
    return { scheduler, eth1, eth2, h1, h2 };
  }
  const hex = (block: string) => toHex(linuxFixture('linux-arp.hex', block).subarray(0, 28));

  it('the request and the reply', () => {
    const { scheduler, eth1, eth2, h1 } = linuxPair();
    h1.write(IP2, IPV4, 1, bytes(0));
    scheduler.runFor(10);
    expect(toHex(eth1.sent[0]!.payload)).toBe(hex('request'));
    expect(eth1.sent[0]!.dst).toBe(BCAST);
    expect(toHex(eth2.sent[0]!.payload)).toBe(hex('reply'));
    expect(eth2.sent[0]!.dst).toBe(M1);
  });

  it('the unicast poll of a stale entry', () => {
    const { scheduler, eth2, h1, h2 } = linuxPair({ reachableTime: 5000 });
    h1.write(IP2, IPV4, 1, bytes(0)); // h2 learns h1 from the request
    scheduler.runUntilTime(6000);
    h2.write(IP1, IPV4, 1, bytes(1));
    const poll = eth2.sent.filter((f) => f.etherType === 0x0806).at(-1)!;
    expect(poll.dst).toBe(M1);
    expect(toHex(poll.payload)).toBe(hex('unicast-request'));
  });

  it('the answer to a probe (target IP 0), given Linux\'s own probe', () => {
    const { scheduler, eth2, h2 } = linuxPair();
    const info = { ...INFO, src: M1 };
    h2.input(linuxFixture('linux-arp.hex', 'probe'), info);
    scheduler.runFor(10);
    expect(eth2.sent.map((f) => [f.dst, toHex(f.payload)])).toEqual([[M1, hex('probe-reply')]]);
  });

  it('Linux\'s gratuitous request (target MAC ff:..) corrects a cached entry', () => {
    const { h2 } = linuxPair();
    // h2 resolves IP1 and hears a reply with a wrong MAC (02:00:00:00:99:99)...
    h2.write(IP1, IPV4, 1, bytes(0));
    const wrong = new Uint8Array(28);
    emitArp({ operation: 2, senderMac: 0x020000009999, senderIp: IP1, targetMac: M2, targetIp: IP2 }, wrong);
    h2.input(wrong, INFO);
    expect(h2.lookup(IP1)).toBe(0x020000009999);
    // ...then Linux's gratuitous request puts it right (RFC 826 merge: the entry exists)
    h2.input(linuxFixture('linux-arp.hex', 'gratuitous'), { ...INFO, src: M1 });
    expect(h2.lookup(IP1)).toBe(M1);
  });
});

describe('ARP: offload meta (TxMeta) on the way to Ethernet', () => {
  it('the resolved fast path hands the caller\'s meta object straight through (no copy, no allocation)', () => {
    const { scheduler, ethA, a } = net();
    a.write(B_IP, IPV4, 1, bytes(0));
    scheduler.runFor(10); // resolved
    const meta = { checksumStart: 20, checksumOffset: 16 };
    expect(a.write(B_IP, IPV4, 40, (buf) => buf.fill(1), meta)).toBe(true);
    expect(ethA.sent.at(-1)!.metaHanded).toBe(meta);
    // broadcast and multicast need no resolution: the meta goes through too
    a.write(0xffff_ffff, IPV4, 40, (buf) => buf.fill(1), meta);
    expect(ethA.sent.at(-1)).toMatchObject({ dst: BCAST, metaHanded: meta });
    a.write(ipv4('224.0.0.251'), IPV4, 40, (buf) => buf.fill(1), meta);
    expect(ethA.sent.at(-1)).toMatchObject({ dst: 0x01005e0000fb, metaHanded: meta });
    a.write(B_IP, IPV4, 1, bytes(0));
    expect(ethA.sent.at(-1)!.metaHanded).toBeUndefined();
  });

  it('a packet queued while its next hop resolves keeps its meta (a copy: the writer may reuse its object)', () => {
    const { scheduler, ethA, a, atB } = net();
    const meta = { checksumStart: 20, checksumOffset: 16, gsoSize: 0 };
    expect(a.write(B_IP, IPV4, 2, bytes(1, 1), meta)).toBe(true);
    meta.checksumOffset = 6; // the writer reuses its meta for the next packet
    expect(a.write(B_IP, IPV4, 2, bytes(2, 2), meta)).toBe(true);
    expect(a.write(B_IP, IPV4, 2, bytes(3, 3))).toBe(true); // and one without
    meta.checksumStart = 99;
    scheduler.runFor(10);
    expect(atB).toEqual(['0101', '0202', '0303']);
    const out = ethA.sent.filter((f) => f.etherType === IPV4);
    expect(out.map((f) => f.meta)).toEqual([
      { checksumStart: 20, checksumOffset: 16, gsoSize: 0 },
      { checksumStart: 20, checksumOffset: 6, gsoSize: 0 },
      undefined,
    ]);
    expect(out[0]!.metaHanded).not.toBe(meta);
  });

  it('queues a GSO packet larger than the MTU only when it is one (gsoSize) and the device does GSO', () => {
    const scheduler = new SimScheduler();
    const seg = new FakeSegment(scheduler);
    const caps = { mtu: 1500, rxChecksumVerified: false, txChecksumOffload: true, gsoMaxSize: 65_535, gro: true };
    const ethA = seg.attach(A_MAC, 1500, caps);
    const ethB = seg.attach(B_MAC, 1500, caps);
    const a = createArp(ethA, { scheduler, random: new SeededRandom(1) }, { address: A_IP });
    createArp(ethB, { scheduler, random: new SeededRandom(2) }, { address: B_IP });
    expect(a.write(B_IP, IPV4, 3000, (buf) => buf.fill(5))).toBe(false); // not GSO: over the MTU
    expect(a.write(B_IP, IPV4, 65_536, (buf) => buf.fill(5), { gsoSize: 1448 })).toBe(false); // over gsoMaxSize
    expect(a.stats.dropped.tooBig).toBe(2);
    expect(a.write(B_IP, IPV4, 3000, (buf) => buf.fill(5), { gsoSize: 1448, checksumStart: 20, checksumOffset: 16 })).toBe(true);
    scheduler.runFor(10);
    const big = ethA.sent.filter((f) => f.etherType === IPV4);
    expect(big).toHaveLength(1);
    expect(big[0]!.payload.length).toBe(3000);
    expect(big[0]!.meta).toEqual({ gsoSize: 1448, checksumStart: 20, checksumOffset: 16 });
  });
});

import { describe, expect, it } from 'vitest';
import { isStackError, type NetDevice } from '@stack/interfaces';
import { SimScheduler } from '../../test/sim.js';
import { checksumValid, pseudoHeaderSum, readU16, readU32, toHex, writeU16 } from '@stack/wire';
import type { RxMeta } from '@stack/interfaces';
import { BROADCAST, ethernet, gsoFrame, ipv4, numbered, udp } from '../../test/frames.js';
import { parseIpv4Header } from '../../test/ipv4.js';
import { memoryLink } from './memory-link.js';

function collect(dev: NetDevice, s: SimScheduler): { n: number; t: number }[] {
  const got: { n: number; t: number }[] = [];
  dev.onReceive((f) => got.push({ n: readU32(f, 14), t: s.now() }));
  return got;
}

describe('memoryLink', () => {
  it('delivers in order after the latency, never inside transmit', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, latency: 2 });
    const got = collect(b, s);
    for (let i = 0; i < 5; i++) expect(a.transmit(numbered(BROADCAST, a.mac, i))).toBe(true);
    expect(got).toEqual([]);
    expect(a.inFlight).toBe(5);
    s.runUntilIdle();
    expect(got).toEqual([0, 1, 2, 3, 4].map((n) => ({ n, t: 2 })));
    expect(a.stats).toMatchObject({ txFrames: 5, txBytes: 320 });
    expect(b.stats).toMatchObject({ rxFrames: 5, rxBytes: 320 });
  });

  it('uses the default latency of 10 µs and the MTU of 1500', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    const got = collect(b, s);
    a.transmit(numbered(BROADCAST, a.mac, 1));
    s.runUntilIdle();
    expect(got[0]!.t).toBeCloseTo(0.01, 12);
    expect(a.mtu).toBe(1500);
    expect(a.capabilities).toEqual({ mtu: 1500, rxChecksumVerified: false, txChecksumOffload: false, gsoMaxSize: 0, gro: false });
  });

  it('copies the frame: the sender may reuse its buffer at once', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    const got = collect(b, s);
    const buf = numbered(BROADCAST, a.mac, 7);
    a.transmit(buf);
    buf.fill(0);
    s.runUntilIdle();
    expect(got[0]!.n).toBe(7);
  });

  it('serializes at the bandwidth, FIFO per direction, each direction independent', () => {
    const s = new SimScheduler();
    // 1 Mbit/s: a 125-byte frame takes exactly 1 ms on the wire
    const [a, b] = memoryLink({ scheduler: s, latency: 0.5, bandwidth: 1_000_000 });
    const atB = collect(b, s);
    const atA = collect(a, s);
    for (let i = 0; i < 3; i++) a.transmit(numbered(BROADCAST, a.mac, i, 125));
    b.transmit(numbered(BROADCAST, b.mac, 9, 250));
    s.runFor(1); // one more frame from a, 1 ms later, queues behind the first three
    a.transmit(numbered(BROADCAST, a.mac, 3, 125));
    s.runUntilIdle();
    expect(atB.map((x) => x.t)).toEqual([1.5, 2.5, 3.5, 4.5]);
    expect(atA).toEqual([{ n: 9, t: 2.5 }]);
  });

  it('drops frames beyond the serialization queue limit', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, bandwidth: 8000, queueLimit: 300 }); // 1 byte per ms
    const got = collect(b, s);
    const results = [0, 1, 2, 3, 4].map((i) => a.transmit(numbered(BROADCAST, a.mac, i, 100)));
    // unserialized bytes, the frame on the wire included: 100, 200, 300, then 400 > 300
    expect(results).toEqual([true, true, true, false, false]);
    expect(a.stats.dropped.queueFull).toBe(2);
    expect(a.stats.txDropped).toBe(2);
    s.runFor(150); // frame 0 is out, frame 1 half: 150 bytes left, room for one more
    expect(a.transmit(numbered(BROADCAST, a.mac, 5, 100))).toBe(true);
    expect(a.transmit(numbered(BROADCAST, a.mac, 6, 100))).toBe(false);
    s.runUntilIdle();
    expect(got.map((x) => x.n)).toEqual([0, 1, 2, 5]);
  });

  it('drops and counts oversize frames, allowing 4 more bytes for a VLAN tag, and runts', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, mtu: 100 });
    const got = collect(b, s);
    expect(a.transmit(ethernet(BROADCAST, a.mac, 0x0800, 100))).toBe(true);
    expect(a.transmit(ethernet(BROADCAST, a.mac, 0x0800, 101))).toBe(false);
    const tagged = ethernet(BROADCAST, a.mac, 0x8100, 104);
    writeU16(tagged, 16, 0x0800);
    expect(a.transmit(tagged)).toBe(true);
    expect(a.transmit(ethernet(BROADCAST, a.mac, 0x8100, 105))).toBe(false);
    expect(a.transmit(new Uint8Array(13))).toBe(false);
    expect(a.stats.dropped).toMatchObject({ oversize: 2, runt: 1 });
    expect(a.stats.txDropped).toBe(3);
    s.runUntilIdle();
    expect(got.length).toBe(2);
  });

  it('counts frames that arrive with no handler', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    a.transmit(numbered(BROADCAST, a.mac, 1));
    s.runUntilIdle();
    expect(b.stats).toMatchObject({ rxFrames: 0, rxDropped: 1 });
    expect(b.stats.dropped.noHandler).toBe(1);
  });

  it('after close nothing is delivered and no timer remains', async () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, latency: 5, bandwidth: 1e6 });
    const got = collect(b, s);
    const back = collect(a, s);
    for (let i = 0; i < 10; i++) a.transmit(numbered(BROADCAST, a.mac, i));
    b.transmit(numbered(BROADCAST, b.mac, 99));
    expect(s.pending()).toBe(2);
    await b.close();
    expect(s.pending()).toBe(0);
    expect(a.up).toBe(false);
    expect(a.transmit(numbered(BROADCAST, a.mac, 11))).toBe(false);
    expect(a.stats.dropped.linkDown).toBe(1);
    s.runUntilIdle();
    expect(got).toEqual([]);
    expect(back).toEqual([]);
    await b.close();
    await a.close();
  });

  it('a handler may close the link while frames are being delivered', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    let seen = 0;
    b.onReceive(() => {
      seen++;
      void b.close();
    });
    for (let i = 0; i < 3; i++) a.transmit(numbered(BROADCAST, a.mac, i));
    s.runUntilIdle();
    expect(seen).toBe(1);
    expect(s.pending()).toBe(0);
  });

  it('fills checksums on transmit when it offers offload and the peer verifies its own', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: [{ txChecksumOffload: true }, {}] });
    let frame: Uint8Array | undefined;
    let meta: { checksumVerified: boolean; checksumPartial: boolean } | undefined;
    b.onReceive((f, m) => {
      frame = f.slice();
      meta = { ...m };
    });
    const f = ethernet(BROADCAST, a.mac, 0x88b5, 40).map((x, i) => (i >= 14 ? i * 7 : x));
    writeU16(f, 20, 0); // "pseudo-header sum" 0 at offset 6 of the payload
    a.transmit(f, { checksumStart: 14, checksumOffset: 6 });
    s.runUntilIdle();
    expect(checksumValid(frame!, 14, frame!.length)).toBe(true);
    expect(meta).toEqual({ checksumVerified: false, checksumPartial: false });
    expect(() => a.transmit(f, { checksumStart: 14, checksumOffset: 100 })).toThrowError(/outside/);
  });

  it('hands a partial checksum as is to a peer that trusts the link (rxChecksumVerified), as loopback does', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: { txChecksumOffload: true, rxChecksumVerified: true } });
    let frame: Uint8Array | undefined;
    let meta: { checksumVerified: boolean; checksumPartial: boolean } | undefined;
    b.onReceive((f, m) => {
      frame = f.slice();
      meta = { ...m };
    });
    const f = ethernet(BROADCAST, a.mac, 0x88b5, 40).map((x, i) => (i >= 14 ? i * 7 : x));
    writeU16(f, 20, 0x1234); // the pseudo-header sum, left for the device
    a.transmit(f, { checksumStart: 14, checksumOffset: 6 });
    s.runUntilIdle();
    expect(frame).toEqual(f); // untouched: nobody computed the checksum
    expect(meta).toEqual({ checksumVerified: true, checksumPartial: true });
  });

  it('txBuffer: a frame written into it is queued without a copy; anything else is copied', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    const seen: { buffer: ArrayBufferLike; offset: number; n: number }[] = [];
    b.onReceive((f) => seen.push({ buffer: f.buffer, offset: f.byteOffset, n: readU32(f, 14) }));
    const buf = a.txBuffer(100);
    buf.set(numbered(BROADCAST, a.mac, 1, 100));
    expect(a.transmit(buf)).toBe(true);
    expect(a.transmit(buf)).toBe(true); // again: no longer pending, so copied
    const abandoned = a.txBuffer(100);
    abandoned.fill(0xff);
    a.transmit(numbered(BROADCAST, a.mac, 3, 100)); // not the pending view: copied
    s.runUntilIdle();
    expect(seen.map((x) => x.n)).toEqual([1, 1, 3]);
    expect(seen[0]!.buffer).toBe(buf.buffer);
    expect(seen[0]!.offset).toBe(buf.byteOffset);
    expect(seen[1]!.offset).not.toBe(buf.byteOffset);
  });

  it('a handler that throws does not stop the link', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    const got: number[] = [];
    b.onReceive((f) => {
      const n = readU32(f, 14);
      if (n === 1) throw new Error('handler bug');
      got.push(n);
    });
    a.transmit(numbered(BROADCAST, a.mac, 1));
    expect(() => s.runUntilIdle()).toThrow(/handler bug/);
    a.transmit(numbered(BROADCAST, a.mac, 2));
    s.runUntilIdle();
    expect(got).toEqual([2]);
  });

  it('rejects bad options, saying what is allowed', () => {
    const s = new SimScheduler();
    const cases: [object, RegExp][] = [
      [{ scheduler: s, mtu: 10 }, /mtu must be an integer in 68..65535/],
      [{ scheduler: s, latency: -1 }, /latency \(ms\) must be a finite number >= 0/],
      [{ scheduler: s, bandwidth: 0 }, /bandwidth/],
      [{ scheduler: s, names: ['x'] }, /names must be two strings/],
      [{ scheduler: s, lantency: 1 }, /option "lantency" must be one of/],
      [{ scheduler: s, capabilities: { tso: true } }, /capabilities: option "tso" must be one of rxChecksumVerified, txChecksumOffload, gsoMaxSize, gro/],
      [{ scheduler: s, capabilities: { gsoMaxSize: 65_536 } }, /capabilities.gsoMaxSize must be an integer in 0..65535/],
      [{ scheduler: s, capabilities: { gro: 1 } }, /capabilities.gro must be a boolean/],
      [{ scheduler: s, capabilities: [{}] }, /capabilities must be one object, or a pair/],
      [{ scheduler: s, wire: 'fiber' }, /wire must be 'veth' or 'cable'/],
      [{ scheduler: s, capabilities: [{}, { gsoMaxSize: -1 }] }, /capabilities\[1\].gsoMaxSize/],
      [{}, /scheduler must be a Scheduler/],
    ];
    for (const [opts, re] of cases) {
      let err: unknown;
      try { memoryLink(opts as never); } catch (e) { err = e; }
      expect(isStackError(err, 'ERR_INVALID_CONFIG')).toBe(true);
      expect((err as Error).message).toMatch(re);
    }
  });
});

/** A TAP with virtio-net offloads, as a link end advertises it. */
const OFFLOADS = { txChecksumOffload: true, gsoMaxSize: 65_535, gro: true } as const;

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + 5) & 0xff;
  return b;
}

/** Frames (copies) and their meta as a device's receive handler saw them. */
function frames(dev: NetDevice): { frame: Uint8Array; meta: RxMeta }[] {
  const got: { frame: Uint8Array; meta: RxMeta }[] = [];
  dev.onReceive((f, m) => got.push({ frame: f.slice(), meta: { ...m } }));
  return got;
}

/** The TCP checksum of an Ethernet + IPv4 + TCP frame verifies. */
function tcpVerifies(f: Uint8Array): boolean {
  const r = parseIpv4Header(f.subarray(14));
  if (!r.ok) return false;
  const end = 14 + r.value.headerLength + r.value.payloadLength;
  return checksumValid(f, 14 + r.value.headerLength, end, pseudoHeaderSum(r.value.src, r.value.dst, 6, r.value.payloadLength));
}

describe('memoryLink offloads (GSO, checksum offload, GRO)', () => {
  it('to a GRO end: a GSO frame arrives whole, its partial checksum flagged (like veth, or a TAP with GUEST_TSO4)', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: OFFLOADS });
    expect(a.capabilities).toEqual({ mtu: 1500, rxChecksumVerified: false, ...OFFLOADS });
    const got = frames(b);
    const frame = gsoFrame(pattern(40_000));
    expect(a.transmit(frame, { checksumStart: 34, checksumOffset: 16, gsoSize: 1448 })).toBe(true);
    s.runUntilIdle();
    expect(got).toHaveLength(1);
    expect(got[0]!.frame).toEqual(frame);
    expect(got[0]!.meta).toEqual({ checksumVerified: false, checksumPartial: true });
    expect(a.stats).toMatchObject({ txFrames: 1, txBytes: frame.length });
    // a plain frame is not flagged
    a.transmit(numbered(BROADCAST, a.mac, 1));
    s.runUntilIdle();
    expect(got[1]!.meta.checksumPartial).toBe(false);
    // a GSO frame with a full checksum (no checksumStart) arrives whole and unflagged
    a.transmit(gsoFrame(pattern(5000), { checksum: 'full' }), { gsoSize: 1448 });
    s.runUntilIdle();
    expect(got[2]!.meta.checksumPartial).toBe(false);
    expect(tcpVerifies(got[2]!.frame)).toBe(true);
  });

  it('to an end without GRO: the link cuts the GSO frame into wire-size segments with full checksums', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: [OFFLOADS, {}] });
    expect(b.capabilities.gsoMaxSize).toBe(0);
    const got = frames(b);
    const payload = pattern(10 * 1448 + 7);
    expect(a.transmit(gsoFrame(payload, { id: 100, seq: 5000, flags: 0x19 }), { checksumStart: 34, checksumOffset: 16, gsoSize: 1448 })).toBe(true);
    s.runUntilIdle();
    expect(got).toHaveLength(11);
    expect(got.every((g) => g.frame.length <= 14 + 1500 && tcpVerifies(g.frame) && !g.meta.checksumPartial)).toBe(true);
    expect(got.map((g) => readU16(g.frame, 18))).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110]);
    expect(got.map((g) => readU32(g.frame, 38))).toEqual(Array.from({ length: 11 }, (_, i) => 5000 + i * 1448));
    expect(got.map((g) => g.frame[47]! & 0x01)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]); // FIN on the last only
    expect(Buffer.concat(got.map((g) => g.frame.subarray(54, 14 + readU16(g.frame, 16))))).toEqual(Buffer.from(payload));
    // the stats count what the wire carried
    expect(a.stats.txFrames).toBe(11);
    expect(b.stats.rxFrames).toBe(11);
    expect(a.stats.txBytes).toBe(got.reduce((n, g) => n + g.frame.length, 0));
  });

  it('to an end without GRO: a partial checksum is completed; to a GRO end it stays partial', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: [{ txChecksumOffload: true, gro: true }, { txChecksumOffload: true }] });
    const atB = frames(b);
    const atA = frames(a);
    const frame = gsoFrame(pattern(100));
    a.transmit(frame, { checksumStart: 34, checksumOffset: 16 });
    b.transmit(frame, { checksumStart: 34, checksumOffset: 16 });
    s.runUntilIdle();
    expect(tcpVerifies(atB[0]!.frame)).toBe(true);
    expect(atB[0]!.meta.checksumPartial).toBe(false);
    expect(toHex(atB[0]!.frame)).toBe(toHex(gsoFrame(pattern(100), { checksum: 'full' })));
    expect(atA[0]!.frame).toEqual(frame); // left partial for the GRO end
    expect(atA[0]!.meta.checksumPartial).toBe(true);
  });

  it('honours only what the sending end advertises; oversize and unsegmentable frames are dropped and counted', () => {
    const s = new SimScheduler();
    const [plain, b] = memoryLink({ scheduler: s, capabilities: [{}, { gsoMaxSize: 16_000, txChecksumOffload: true }] });
    const atB = frames(b);
    const atPlain = frames(plain);
    // a device without GSO: a GSO request does not lift the MTU
    expect(plain.transmit(gsoFrame(pattern(3000)), { gsoSize: 1448 })).toBe(false);
    expect(plain.stats.dropped.oversize).toBe(1);
    // nor does a device without checksum offload touch the checksum
    plain.transmit(gsoFrame(pattern(100)), { checksumStart: 34, checksumOffset: 16 });
    // over gsoMaxSize
    expect(b.transmit(gsoFrame(pattern(16_000)), { gsoSize: 1448 })).toBe(false);
    // segments that would not fit the MTU
    expect(b.transmit(gsoFrame(pattern(6000)), { gsoSize: 1461 })).toBe(false);
    expect(b.stats.dropped.oversize).toBe(2);
    // a GSO frame that is not TCP
    expect(b.transmit(ethernet(BROADCAST, b.mac, 0x0800, ipv4(1, 2, 17, udp(1, 2, pattern(3000)))), { gsoSize: 1000 })).toBe(false);
    expect(b.stats.dropped.offload).toBe(1);
    expect(b.stats.txDropped).toBe(3);
    s.runUntilIdle();
    expect(atB).toHaveLength(1);
    expect(tcpVerifies(atB[0]!.frame)).toBe(false); // carried as it was: still partial
    expect(atPlain).toHaveLength(0);
    // a misplaced checksum field is misuse: it throws
    expect(() => b.transmit(gsoFrame(pattern(10)), { checksumStart: 10, checksumOffset: 16 })).toThrowError(/outside/);
  });

  it('a full serialization queue drops the segments that do not fit, and counts them', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, bandwidth: 8000, queueLimit: 3100, capabilities: [OFFLOADS, {}] });
    const got = frames(b);
    expect(a.transmit(gsoFrame(pattern(5 * 1448)), { gsoSize: 1448 })).toBe(true);
    expect(a.stats.dropped.queueFull).toBe(3);
    expect(a.stats.txFrames).toBe(2);
    s.runUntilIdle();
    expect(got).toHaveLength(2);
  });
});

describe("memoryLink wire: 'cable' (software GSO on one end, software GRO on the other)", () => {
  it('the wire carries MTU-size frames with full checksums; the GRO end gets them coalesced, verified', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: OFFLOADS, wire: 'cable' });
    const got = frames(b);
    const payload = pattern(40 * 1448 + 11);
    expect(a.transmit(gsoFrame(payload, { seq: 7, flags: 0x18 }), { checksumStart: 34, checksumOffset: 16, gsoSize: 1448 })).toBe(true);
    s.runUntilIdle();
    // 41 frames on the wire: what the stats count
    expect(a.stats.txFrames).toBe(41);
    expect(b.stats.rxFrames).toBe(41);
    // one coalesced segment up (40 × 1448 + 11 = 57,931 bytes of payload), checksums correct and flagged verified
    expect(got).toHaveLength(1);
    expect(got[0]!.meta).toEqual({ checksumVerified: true, checksumPartial: false });
    expect(tcpVerifies(got[0]!.frame)).toBe(true);
    expect(readU32(got[0]!.frame, 38)).toBe(7);
    expect(Buffer.from(got[0]!.frame.subarray(54))).toEqual(Buffer.from(payload));
    expect(b.stats.gro).toEqual({ merged: 41, packets: 1 });
  });

  it('a partial checksum is completed before the wire even for a GRO end that trusts checksums', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: { ...OFFLOADS, rxChecksumVerified: true }, wire: 'cable' });
    const got = frames(b);
    a.transmit(gsoFrame(pattern(100), { flags: 0x11 }), { checksumStart: 34, checksumOffset: 16 });
    s.runUntilIdle();
    expect(got).toHaveLength(1);
    expect(got[0]!.meta.checksumPartial).toBe(false);
    expect(tcpVerifies(got[0]!.frame)).toBe(true);
  });

  it('what arrives in separate batches is not merged; a corrupt segment goes up alone and unverified', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, latency: 1, capabilities: OFFLOADS, wire: 'cable' });
    const got = frames(b);
    a.transmit(gsoFrame(pattern(1000), { seq: 1, flags: 0x10, checksum: 'full' }));
    s.runFor(0.5);
    a.transmit(gsoFrame(pattern(1000), { seq: 1001, flags: 0x10, checksum: 'full' }));
    s.runUntilIdle();
    expect(got).toHaveLength(2);
    const bad = gsoFrame(pattern(1000), { seq: 2001, flags: 0x10, checksum: 'full' });
    bad[100]! ^= 0xff;
    a.transmit(bad);
    a.transmit(gsoFrame(pattern(1000), { seq: 3001, flags: 0x10, checksum: 'full' }));
    s.runUntilIdle();
    expect(got.slice(2).map((g) => g.meta.checksumVerified)).toEqual([false, true]);
    expect(b.stats.gro.packets).toBe(0);
  });

  it('an end without GRO over a cable gets the wire frames as they are', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: [OFFLOADS, {}], wire: 'cable' });
    const got = frames(b);
    a.transmit(gsoFrame(pattern(3 * 1448)), { checksumStart: 34, checksumOffset: 16, gsoSize: 1448 });
    s.runUntilIdle();
    expect(got).toHaveLength(3);
    expect(got.every((g) => !g.meta.checksumVerified && tcpVerifies(g.frame))).toBe(true);
    expect(b.stats.gro).toEqual({ merged: 0, packets: 0 });
  });

  it('a handler that closes the link mid-batch gets nothing more', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: OFFLOADS, wire: 'cable' });
    let calls = 0;
    b.onReceive(() => {
      calls++;
      void b.close();
    });
    a.transmit(gsoFrame(pattern(10), { seq: 1, flags: 0x10, checksum: 'full' }));
    a.transmit(gsoFrame(pattern(10), { seq: 11, flags: 0x11, checksum: 'full' })); // a FIN: goes up alone, flushing the first
    a.transmit(gsoFrame(pattern(10), { seq: 21, flags: 0x10, checksum: 'full' }));
    s.runUntilIdle();
    expect(calls).toBe(1);
    expect(s.pending()).toBe(0);
  });
});

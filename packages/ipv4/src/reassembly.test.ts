import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesEqual, checksumValid, readU16 } from '@stack/wire';
import { Reassembler, type ReassemblyLimits, type ReassemblyResult } from './reassembly.js';
import { buildPacket, fragmentsOf, pattern } from './fixtures/fakes.js';

const A = 0x0a4d0001; // 10.77.0.1
const B = 0x0a4d0002; // 10.77.0.2
const LIMITS: ReassemblyLimits = { maxDatagrams: 64, maxBytes: 1 << 20, timeout: 30_000, maxDatagramSize: 65_535 };

function complete(r: ReassemblyResult): Uint8Array {
  if (r.status !== 'complete') throw new Error(`expected complete, got ${JSON.stringify(r)}`);
  return r.packet;
}

/** The datagram the fragments were cut from, as the reassembler should rebuild it. */
function original(payload: Uint8Array, id = 0x1234, options?: Uint8Array): Uint8Array {
  return buildPacket({ src: A, dst: B, identification: id, payload, ...(options ? { options } : {}) });
}

describe('Reassembler', () => {
  it('reassembles in order to the exact original datagram', () => {
    const payload = pattern(3000);
    const frags = fragmentsOf({ src: A, dst: B, payload }, 1480);
    expect(frags).toHaveLength(3);
    const r = new Reassembler(LIMITS);
    expect(r.add(frags[0]!, 0, false).status).toBe('held');
    expect(r.add(frags[1]!, 1, false).status).toBe('held');
    const out = complete(r.add(frags[2]!, 2, false));
    expect(bytesEqual(out, original(payload))).toBe(true);
    expect(checksumValid(out, 0, 20)).toBe(true);
    expect(r.datagrams).toBe(0);
    expect(r.bytes).toBe(0);
  });

  it('reassembles in reverse order, and keeps the first fragment’s options', () => {
    const payload = pattern(1000, 7);
    const options = new Uint8Array([7, 7, 4, 0, 0, 0, 0, 0]); // record route, one slot
    const first = buildPacket({ src: A, dst: B, options, payload: payload.subarray(0, 504), moreFragments: true });
    const second = buildPacket({ src: A, dst: B, payload: payload.subarray(504), fragmentOffset: 504 });
    const r = new Reassembler(LIMITS);
    expect(r.add(second, 0, false).status).toBe('held');
    const out = complete(r.add(first, 0, false));
    expect(bytesEqual(out, original(payload, 0x1234, options))).toBe(true);
  });

  it('tracks holes while fragments are missing', () => {
    const payload = pattern(4000);
    const f = fragmentsOf({ src: A, dst: B, payload }, 1000);
    const r = new Reassembler(LIMITS);
    r.add(f[1]!, 0, false);
    r.add(f[3]!, 0, false);
    expect(r.snapshot()[0]!.holes).toEqual([
      [0, 1000],
      [2000, 3000],
    ]);
    expect(r.snapshot()[0]!.total).toBe(4000);
    r.add(f[0]!, 0, false);
    expect(r.snapshot()[0]!.holes).toEqual([[2000, 3000]]);
    expect(r.bytes).toBe(3000 + 20);
  });

  it('an unknown end shows as an open hole', () => {
    const r = new Reassembler(LIMITS);
    r.add(fragmentsOf({ src: A, dst: B, payload: pattern(100) }, 48)[0]!, 0, false);
    expect(r.snapshot()[0]!.holes).toEqual([[48, Infinity]]);
  });

  it('any permutation with duplicates reassembles bit-exactly (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 9, max: 9000 }),
        fc.integer({ min: 1, max: 200 }).map((n) => n * 8),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 5 }),
        (size, step, seed, dups) => {
          const payload = pattern(size, seed % 251);
          const frags = fragmentsOf({ src: A, dst: B, payload, identification: seed & 0xffff }, step);
          fc.pre(frags.length > 1);
          // A seeded shuffle plus some duplicates inserted.
          const order = frags.map((_, i) => i);
          let s = seed;
          for (let i = order.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            const j = s % (i + 1);
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          const sequence = [...order];
          for (const d of dups) sequence.splice(d % (sequence.length - 1), 0, order[d % order.length]!);
          const r = new Reassembler(LIMITS);
          let out: Uint8Array | undefined;
          const seen = new Set<number>();
          for (const i of sequence) {
            const res = r.add(frags[i]!, 0, true);
            if (res.status === 'dropped') expect([res.reason, seen.has(i)]).toEqual(['duplicate', true]);
            seen.add(i);
            // Complete exactly when the last missing fragment arrives.
            expect(res.status === 'complete').toBe(seen.size === frags.length);
            if (res.status === 'complete') {
              out = res.packet;
              break; // a later copy would start a new datagram: it cannot be told apart
            }
          }
          expect(out !== undefined && bytesEqual(out, original(payload, seed & 0xffff))).toBe(true);
          expect(r.bytes).toBe(0);
        },
      ),
    );
  });

  it('keeps datagrams apart by (src, dst, protocol, id)', () => {
    const r = new Reassembler(LIMITS);
    const p1 = pattern(100, 1);
    const p2 = pattern(100, 2);
    const a = fragmentsOf({ src: A, dst: B, payload: p1, identification: 1 }, 48);
    const b = fragmentsOf({ src: A, dst: B, payload: p2, identification: 1, protocol: 6 }, 48);
    r.add(a[0]!, 0, false);
    r.add(b[0]!, 0, false);
    r.add(a[1]!, 0, false);
    r.add(b[1]!, 0, false);
    expect(r.datagrams).toBe(2);
    const outA = complete(r.add(a[2]!, 0, false));
    const outB = complete(r.add(b[2]!, 0, false));
    expect(bytesEqual(outA.subarray(20), p1)).toBe(true);
    expect(bytesEqual(outB.subarray(20), p2)).toBe(true);
    expect(outB[9]).toBe(6);
  });

  it('an overlapping fragment drops the whole datagram (RFC 5722 rule)', () => {
    const payload = pattern(3000);
    const f = fragmentsOf({ src: A, dst: B, payload }, 1000);
    const r = new Reassembler(LIMITS);
    r.add(f[0]!, 0, false);
    r.add(f[2]!, 0, false);
    // 16 bytes at offset 992: overlaps the first fragment's tail.
    const evil = buildPacket({ src: A, dst: B, payload: pattern(16), fragmentOffset: 992, moreFragments: true });
    expect(r.add(evil, 0, false)).toEqual({ status: 'dropped', reason: 'overlap' });
    expect(r.datagrams).toBe(0);
    expect(r.bytes).toBe(0);
    // What is left of the datagram starts a new one and cannot complete it with stale state.
    expect(r.add(f[1]!, 0, false).status).toBe('held');
  });

  it('an overlap with a following fragment is caught too', () => {
    const r = new Reassembler(LIMITS);
    r.add(buildPacket({ src: A, dst: B, payload: pattern(16), fragmentOffset: 16, moreFragments: true }), 0, false);
    const evil = buildPacket({ src: A, dst: B, payload: pattern(24), fragmentOffset: 0, moreFragments: true });
    expect(r.add(evil, 0, false)).toEqual({ status: 'dropped', reason: 'overlap' });
  });

  it('a same-offset fragment of another length is an overlap, not a duplicate', () => {
    const r = new Reassembler(LIMITS);
    r.add(buildPacket({ src: A, dst: B, payload: pattern(16), moreFragments: true }), 0, false);
    const evil = buildPacket({ src: A, dst: B, payload: pattern(24), moreFragments: true });
    expect(r.add(evil, 0, false)).toEqual({ status: 'dropped', reason: 'overlap' });
  });

  it('rejects malformed fragments', () => {
    const r = new Reassembler(LIMITS);
    // Not a multiple of 8 while MF is set.
    expect(r.add(buildPacket({ src: A, dst: B, payload: pattern(10), moreFragments: true }), 0, false)).toEqual({ status: 'dropped', reason: 'malformed' });
    // Empty with MF set.
    expect(r.add(buildPacket({ src: A, dst: B, payload: pattern(0), fragmentOffset: 8, moreFragments: true }), 0, false).status).toBe('dropped');
    // A second "last" fragment with another end discards the datagram.
    r.add(buildPacket({ src: A, dst: B, payload: pattern(8), fragmentOffset: 16 }), 0, false);
    expect(r.add(buildPacket({ src: A, dst: B, payload: pattern(8), fragmentOffset: 32 }), 0, false)).toEqual({ status: 'dropped', reason: 'malformed' });
    expect(r.datagrams).toBe(0);
    // A last fragment ending before a held one.
    r.add(buildPacket({ src: A, dst: B, payload: pattern(8), fragmentOffset: 40, moreFragments: true }), 0, false);
    expect(r.add(buildPacket({ src: A, dst: B, payload: pattern(8), fragmentOffset: 16 }), 0, false)).toEqual({ status: 'dropped', reason: 'malformed' });
    expect(r.bytes).toBe(0);
  });

  it('drops a datagram larger than maxDatagramSize (ping of death)', () => {
    const r = new Reassembler(LIMITS);
    r.add(buildPacket({ src: A, dst: B, payload: pattern(1480), moreFragments: true }), 0, false);
    const pod = buildPacket({ src: A, dst: B, payload: pattern(100), fragmentOffset: 65_528 });
    expect(r.add(pod, 0, false)).toEqual({ status: 'dropped', reason: 'limit' });
    expect(r.datagrams).toBe(0);
    expect(r.bytes).toBe(0);
    const small = new Reassembler({ ...LIMITS, maxDatagramSize: 1000 });
    expect(small.add(buildPacket({ src: A, dst: B, payload: pattern(8), fragmentOffset: 976 }), 0, false).status).toBe('dropped');
  });

  it('counts options in the first header against maxDatagramSize on completion', () => {
    const r = new Reassembler({ ...LIMITS, maxDatagramSize: 600 });
    const options = new Uint8Array(40).fill(1);
    const payload = pattern(576);
    r.add(buildPacket({ src: A, dst: B, payload: payload.subarray(288), fragmentOffset: 288 }), 0, false);
    // 60 + 576 > 600 is only known once the first fragment brings its options.
    expect(r.add(buildPacket({ src: A, dst: B, options, payload: payload.subarray(0, 288), moreFragments: true }), 0, false)).toEqual({
      status: 'dropped',
      reason: 'limit',
    });
    expect(r.bytes).toBe(0);
  });

  it('enforces maxDatagrams: the new datagram is dropped, those in flight stay', () => {
    const r = new Reassembler({ ...LIMITS, maxDatagrams: 2 });
    const mk = (id: number) => fragmentsOf({ src: A, dst: B, payload: pattern(100), identification: id }, 48);
    const d1 = mk(1);
    const d2 = mk(2);
    const d3 = mk(3);
    r.add(d1[0]!, 0, false);
    r.add(d2[0]!, 0, false);
    expect(r.add(d3[0]!, 0, false)).toEqual({ status: 'dropped', reason: 'limit' });
    expect(r.datagrams).toBe(2);
    r.add(d1[1]!, 0, false);
    expect(complete(r.add(d1[2]!, 0, false)).length).toBe(120);
    expect(r.add(d3[0]!, 0, false).status).toBe('held');
  });

  it('enforces maxBytes: the fragment and its doomed datagram are dropped', () => {
    const r = new Reassembler({ ...LIMITS, maxBytes: 2000 });
    const big = fragmentsOf({ src: A, dst: B, payload: pattern(3000), identification: 1 }, 1000);
    const other = fragmentsOf({ src: A, dst: B, payload: pattern(100), identification: 2 }, 48);
    r.add(other[0]!, 0, false); // 48 + 20
    r.add(big[0]!, 0, false); // 1000 + 20
    expect(r.bytes).toBe(1088);
    expect(r.add(big[1]!, 0, false)).toEqual({ status: 'dropped', reason: 'limit' });
    expect(r.datagrams).toBe(1);
    expect(r.bytes).toBe(68);
  });

  it('expires datagrams at their deadline, oldest first, and frees their bytes', () => {
    const r = new Reassembler({ ...LIMITS, timeout: 1000 });
    const a = fragmentsOf({ src: A, dst: B, payload: pattern(100), identification: 1 }, 48);
    const b = fragmentsOf({ src: A, dst: B, payload: pattern(100), identification: 2 }, 48);
    r.add(a[1]!, 100, false); // no first fragment
    r.add(b[0]!, 500, false); // first fragment
    r.add(a[0]!, 900, false); // a timer is not extended by later fragments
    expect(r.nextDeadline()).toBe(1100);
    expect(r.expire(1099)).toEqual([]);
    const e1 = r.expire(1100);
    expect(e1).toHaveLength(1);
    expect(e1[0]!.identification).toBe(1);
    // a's first fragment arrived after all: it is quoted.
    expect(e1[0]!.firstFragment && bytesEqual(e1[0]!.firstFragment, a[0]!)).toBe(true);
    expect(r.nextDeadline()).toBe(1500);
    const e2 = r.expire(5000);
    expect(e2[0]!.firstFragment && readU16(e2[0]!.firstFragment, 4)).toBe(2);
    expect(r.nextDeadline()).toBeUndefined();
    expect(r.bytes).toBe(0);
  });

  it('an expired datagram without its first fragment has nothing to quote', () => {
    const r = new Reassembler({ ...LIMITS, timeout: 1000 });
    const a = fragmentsOf({ src: A, dst: B, payload: pattern(100) }, 48);
    r.add(a[1]!, 0, false);
    r.add(a[2]!, 0, false);
    expect(r.expire(1000)[0]!.firstFragment).toBeNull();
  });

  it('reports checksumVerified only when every fragment had it', () => {
    const f = fragmentsOf({ src: A, dst: B, payload: pattern(100) }, 48);
    const r = new Reassembler(LIMITS);
    r.add(f[0]!, 0, true);
    r.add(f[1]!, 0, false);
    const res = r.add(f[2]!, 0, true);
    expect(res.status === 'complete' && res.checksumVerified).toBe(false);
    const r2 = new Reassembler(LIMITS);
    for (const x of f.slice(0, 2)) r2.add(x, 0, true);
    const res2 = r2.add(f[2]!, 0, true);
    expect(res2.status === 'complete' && res2.checksumVerified).toBe(true);
  });

  it('random fragment soup never throws and never leaks past its limits', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.nat({ max: 3 }),
            off: fc.nat({ max: 40 }),
            len: fc.nat({ max: 64 }),
            mf: fc.boolean(),
            t: fc.nat({ max: 100 }),
          }),
          { maxLength: 60 },
        ),
        (soup) => {
          const r = new Reassembler({ maxDatagrams: 3, maxBytes: 500, timeout: 50, maxDatagramSize: 600 });
          let now = 0;
          for (const s of soup) {
            now += s.t;
            r.expire(now);
            const pkt = buildPacket({ src: A, dst: B, identification: s.id, payload: pattern(s.len), fragmentOffset: s.off * 8, moreFragments: s.mf || s.off === 0 });
            const res = r.add(pkt, now, false);
            if (res.status === 'complete') expect(readU16(res.packet, 2)).toBe(res.packet.length);
            expect(r.datagrams).toBeLessThanOrEqual(3);
            expect(r.bytes).toBeLessThanOrEqual(500);
            expect(r.bytes).toBeGreaterThanOrEqual(0);
          }
          r.expire(now + 50);
          expect(r.bytes).toBe(0);
          expect(r.datagrams).toBe(0);
        },
      ),
    );
  });

  it('datagrams sharing source and id but not destination or protocol stay apart, whatever completes or fails first', () => {
    const C = 0x0a4d0003;
    const r = new Reassembler(LIMITS);
    const specs = [
      { dst: B, protocol: 17 },
      { dst: B, protocol: 6 },
      { dst: C, protocol: 17 },
      { dst: C, protocol: 6 },
    ];
    const frags = specs.map((sp, i) => fragmentsOf({ src: A, identification: 9, payload: pattern(100, i), ...sp }, 48));
    for (const f of frags) r.add(f[0]!, 0, false);
    expect(r.datagrams).toBe(4);
    // the second (inside the bucket's chain) is dropped by an overlap
    expect(r.add(buildPacket({ src: A, dst: B, protocol: 6, identification: 9, payload: pattern(48), fragmentOffset: 8, moreFragments: true }), 0, false).status).toBe('dropped');
    expect(r.datagrams).toBe(3);
    // the last one added (the chain's head) completes
    r.add(frags[3]![1]!, 0, false);
    expect(bytesEqual(complete(r.add(frags[3]![2]!, 0, false)).subarray(20), pattern(100, 3))).toBe(true);
    // the others still complete with their own bytes
    for (const i of [0, 2]) {
      r.add(frags[i]![1]!, 0, false);
      const out = complete(r.add(frags[i]![2]!, 0, false));
      expect(bytesEqual(out.subarray(20), pattern(100, i))).toBe(true);
      expect([out[9], out[16 + 3]]).toEqual([specs[i]!.protocol, specs[i]!.dst & 0xff]);
    }
    expect([r.datagrams, r.bytes]).toEqual([0, 0]);
    // the dropped one starts over cleanly
    r.add(frags[1]![0]!, 0, false);
    r.add(frags[1]![1]!, 0, false);
    expect(bytesEqual(complete(r.add(frags[1]![2]!, 0, false)).subarray(20), pattern(100, 1))).toBe(true);
  });

  it('a soup of datagrams colliding on (source, id) never mixes their bytes (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ which: fc.nat({ max: 5 }), part: fc.nat({ max: 2 }), t: fc.nat({ max: 20 }) }), { maxLength: 80 }),
        (soup) => {
          const r = new Reassembler({ maxDatagrams: 4, maxBytes: 1 << 16, timeout: 100, maxDatagramSize: 65_535 });
          const dgs = Array.from({ length: 6 }, (_, k) => fragmentsOf({ src: A, dst: B + (k % 3), protocol: 6 + (k >> 1), identification: 5, payload: pattern(100, k) }, 48));
          let now = 0;
          for (const s of soup) {
            now += s.t;
            r.expire(now);
            const res = r.add(dgs[s.which]![s.part]!, now, false);
            if (res.status === 'complete') {
              const k = dgs.findIndex((f) => readU16(f[0]!, 18) === readU16(res.packet, 18) && f[0]![9] === res.packet[9]);
              expect(bytesEqual(res.packet.subarray(20), pattern(100, k))).toBe(true);
            }
          }
          r.expire(now + 100);
          expect([r.datagrams, r.bytes]).toEqual([0, 0]);
        },
      ),
    );
  });

  it('reports linkBroadcast when any fragment came in a link-layer broadcast frame', () => {
    const f = fragmentsOf({ src: A, dst: B, payload: pattern(100) }, 48);
    const r = new Reassembler({ ...LIMITS, timeout: 10 });
    r.add(f[0]!, 0, false);
    r.add(f[1]!, 0, false, true);
    const res = r.add(f[2]!, 0, false);
    expect(res.status === 'complete' && res.linkBroadcast).toBe(true);
    const plain = new Reassembler(LIMITS);
    for (const x of f.slice(0, 2)) plain.add(x, 0, false);
    const res2 = plain.add(f[2]!, 0, false);
    expect(res2.status === 'complete' && res2.linkBroadcast).toBe(false);
    r.add(f[0]!, 0, false, true);
    plain.add(f[0]!, 0, false);
    expect(r.expire(10).map((e) => e.linkBroadcast)).toEqual([true]);
    expect(plain.expire(30_000).map((e) => e.linkBroadcast)).toEqual([false]);
  });

  it('the shared results cannot be changed by a caller: another reassembler is told the truth', () => {
    const f = fragmentsOf({ src: A, dst: B, payload: pattern(100) }, 48);
    const held = new Reassembler(LIMITS).add(f[0]!, 0, false);
    expect(held.status).toBe('held');
    expect(() => {
      (held as { status: string }).status = 'complete';
    }).toThrow(TypeError);
    const dup = new Reassembler(LIMITS);
    dup.add(f[0]!, 0, false);
    const d = dup.add(f[0]!, 0, false);
    expect(() => {
      (d as { reason: string }).reason = 'overlap';
    }).toThrow(TypeError);
    const other = new Reassembler(LIMITS);
    expect(other.add(f[0]!, 0, false)).toEqual({ status: 'held' });
    expect(other.add(f[0]!, 0, false)).toEqual({ status: 'dropped', reason: 'duplicate' });
  });
});

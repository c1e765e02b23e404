import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RingBuffer } from './ring.js';

describe('RingBuffer', () => {
  it('wraps around, peeks at offsets and reports free space', () => {
    const r = new RingBuffer(8);
    expect(r.write(Uint8Array.of(1, 2, 3, 4, 5, 6))).toBe(6);
    const out = new Uint8Array(4);
    expect(r.read(out)).toBe(4);
    expect(out).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(r.write(Uint8Array.of(7, 8, 9, 10, 11, 12, 13))).toBe(6); // 2 held + 6 = full
    expect(r.free).toBe(0);
    const mid = new Uint8Array(5);
    r.peek(2, mid);
    expect(mid).toEqual(Uint8Array.of(7, 8, 9, 10, 11));
    const all = new Uint8Array(10);
    expect(r.read(all)).toBe(8);
    expect(all.subarray(0, 8)).toEqual(Uint8Array.of(5, 6, 7, 8, 9, 10, 11, 12));
  });

  it('behaves as a bounded FIFO (property; reads small enough for the byte loop and larger ones)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 500 })), { maxLength: 60 }), (cap, ops) => {
        const r = new RingBuffer(cap);
        const model: number[] = [];
        let next = 0;
        for (const [isWrite, n] of ops) {
          if (isWrite) {
            const src = Uint8Array.from({ length: n }, () => next++ & 0xff);
            const took = r.write(src);
            expect(took).toBe(Math.min(n, cap - model.length));
            model.push(...src.subarray(0, took));
          } else {
            const into = new Uint8Array(n);
            const got = r.read(into);
            expect(Array.from(into.subarray(0, got))).toEqual(model.splice(0, got));
          }
          expect(r.length).toBe(model.length);
        }
      }),
    );
  });

  it('allocates lazily, grows keeping wrapped and out-of-order bytes, and gives storage back on clear', () => {
    const r = new RingBuffer(65_536);
    expect(r.allocated).toBe(0);
    expect(r.free).toBe(65_536);
    r.write(new Uint8Array(1500).fill(1));
    expect(r.allocated).toBe(1536); // what the write needs, in 64-byte steps
    r.read(new Uint8Array(1400)); // head near the end of the storage: the next write wraps
    r.write(new Uint8Array(1000).fill(2));
    r.writeAt(500, new Uint8Array(3000).fill(3)); // forces growth while wrapped, past the tail
    expect(r.allocated).toBeGreaterThanOrEqual(1100 + 500 + 3000);
    r.write(new Uint8Array(500).fill(4)); // fills the gap before the held range
    r.commit(3000);
    const all = new Uint8Array(r.length);
    expect(r.read(all)).toBe(100 + 1000 + 500 + 3000);
    expect(all.subarray(0, 100).every((b) => b === 1)).toBe(true);
    expect(all.subarray(100, 1100).every((b) => b === 2)).toBe(true);
    expect(all.subarray(1100, 1600).every((b) => b === 4)).toBe(true);
    expect(all.subarray(1600).every((b) => b === 3)).toBe(true);
    r.clear();
    expect(r.allocated).toBe(0);
  });

  it('takes small writes in small storage, then doubles', () => {
    const r = new RingBuffer(65_536);
    r.write(new Uint8Array(64));
    expect(r.allocated).toBe(64);
    r.write(new Uint8Array(1));
    expect(r.allocated).toBe(128);
    r.write(new Uint8Array(200));
    expect(r.allocated).toBe(512);
    expect(r.length).toBe(265);
  });

  it('never allocates past its capacity', () => {
    const r = new RingBuffer(3000);
    r.write(new Uint8Array(2500));
    expect(r.allocated).toBe(2560);
    expect(r.write(new Uint8Array(1000))).toBe(500);
    expect(r.allocated).toBe(3000); // doubling would give 5120
    const one = new RingBuffer(100);
    one.write(new Uint8Array(99)); // 128 rounded up, capped at 100
    expect(one.allocated).toBe(100);
  });
});

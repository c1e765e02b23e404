import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reassembly } from './reassembly.js';

function blocks(r: Reassembly, max = 8): [number, number][] {
  const out = Array.from({ length: max }, () => ({ left: 0, right: 0 }));
  const n = r.sackBlocks(out, max);
  return out.slice(0, n).map((b) => [b.left, b.right]);
}

describe('Reassembly', () => {
  it('merges touching and overlapping ranges and reports the latest first', () => {
    const r = new Reassembly(4);
    expect(r.add(100, 200)).toBe(true);
    expect(r.add(300, 400)).toBe(true);
    expect(r.add(500, 600)).toBe(true);
    expect(blocks(r)).toEqual([[500, 600], [100, 200], [300, 400]]);
    expect(r.add(200, 300)).toBe(true); // joins the first two
    expect(r.count).toBe(2);
    expect(blocks(r)).toEqual([[100, 400], [500, 600]]);
    expect(r.add(450, 550)).toBe(true);
    expect(blocks(r)).toEqual([[450, 600], [100, 400]]);
    expect(r.advance(50)).toBe(50);
    expect(r.advance(100)).toBe(400);
    expect(r.count).toBe(1);
    expect(r.span(400)).toBe(200);
  });

  it('refuses a new range when full, but still merges', () => {
    const r = new Reassembly(2);
    r.add(10, 20);
    r.add(30, 40);
    expect(r.add(50, 60)).toBe(false);
    expect(r.add(20, 25)).toBe(true);
    expect(blocks(r)).toEqual([[10, 25], [30, 40]]);
    expect(new Reassembly(0).add(1, 2)).toBe(false);
  });

  it('works across the sequence-number wrap', () => {
    const r = new Reassembly(4);
    r.add(0xfffffff0, 0xfffffffa);
    r.add(0x10, 0x20);
    r.add(0xfffffffa, 0x10);
    expect(blocks(r)).toEqual([[0xfffffff0, 0x20]]);
    expect(r.advance(0xfffffff0)).toBe(0x20);
  });

  it('agrees with a set of received bytes (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 40 })), { maxLength: 30 }), (base, adds) => {
        const r = new Reassembly(64);
        const have = new Set<number>();
        for (const [off, len] of adds) {
          expect(r.add((base + off) >>> 0, (base + off + len) >>> 0)).toBe(true);
          for (let k = off; k < off + len; k++) have.add(k);
        }
        const covered = new Set<number>();
        for (const [left, right] of blocks(r, 64)) for (let s = left; s !== right; s = (s + 1) >>> 0) covered.add(((s - base) >>> 0));
        expect([...covered].sort((a, b) => a - b)).toEqual([...have].sort((a, b) => a - b));
        // Delivering from base: RCV.NXT ends where the bytes from 0 stop being contiguous (byte 0 never arrives here).
        // (advance answers in the engine's int32 form of sequence numbers, sequence.ts)
        expect(r.advance(base) >>> 0).toBe(base);
        let k = 1;
        while (have.has(k)) k++;
        expect(r.advance((base + 1) >>> 0) >>> 0).toBe(have.has(1) ? (base + k) >>> 0 : (base + 1) >>> 0);
      }),
    );
  });
});

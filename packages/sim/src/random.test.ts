import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRandom } from './random.js';

describe('SeededRandom', () => {
  it('replays the same sequence from the same seed, and another from another', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const sa = Array.from({ length: 64 }, () => a.u32());
    expect(Array.from({ length: 64 }, () => b.u32())).toEqual(sa);
    expect(Array.from({ length: 64 }, () => c.u32())).not.toEqual(sa);
  });

  it('gives 32-bit unsigned integers with roughly uniform bits', () => {
    const r = new SeededRandom(1);
    const ones = new Array<number>(32).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const v = r.u32();
      expect(v >>> 0).toBe(v);
      for (let b = 0; b < 32; b++) ones[b]! += (v >>> b) & 1;
    }
    for (const count of ones) expect(Math.abs(count / n - 0.5)).toBeLessThan(0.02);
  });

  it('below(n) stays in range and matches the exact 64-bit product for any n', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 2 ** 32 }), (seed, n) => {
        const r = new SeededRandom(seed);
        const probe = new SeededRandom(seed);
        const v = r.below(n);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(n);
        expect(Number.isInteger(v)).toBe(true);
        // When the first draw is accepted, the result is floor(r * n / 2^32) computed with BigInt.
        const first = BigInt(probe.u32());
        const product = first * BigInt(n);
        const threshold = (2n ** 32n - BigInt(n)) % BigInt(n);
        if (product % 2n ** 32n >= threshold) expect(BigInt(v)).toBe(product / 2n ** 32n);
      }),
    );
  });

  it('below(3) is unbiased over many draws', () => {
    const r = new SeededRandom(9);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.below(3)]!++;
    for (const c of counts) expect(Math.abs(c / 30_000 - 1 / 3)).toBeLessThan(0.02);
  });

  it('fill writes every byte, including a ragged tail', () => {
    const r = new SeededRandom(5);
    const buf = new Uint8Array(7);
    r.fill(buf);
    expect(buf.some((b) => b !== 0)).toBe(true);
    const again = new Uint8Array(7);
    new SeededRandom(5).fill(again);
    expect(again).toEqual(buf);
  });

  it('rejects an n below() cannot serve', () => {
    const r = new SeededRandom(1);
    expect(() => r.below(0)).toThrow(RangeError);
    expect(() => r.below(2 ** 32 + 1)).toThrow(RangeError);
  });
});

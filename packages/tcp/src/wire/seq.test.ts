import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { inWindow, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax, seqMin } from './seq.js';

const u32 = fc.nat({ max: 0xffffffff });
const TWO31 = 2 ** 31;
const TWO32 = 2 ** 32;
/** (a − b) mod 2^32 with BigInt: the oracle, independent of the | 0 tricks. */
const mod = (a: number, b: number): number => Number((((BigInt(a) - BigInt(b)) % 2n ** 32n) + 2n ** 32n) % 2n ** 32n);

describe('sequence numbers: examples across the wrap', () => {
  it('orders numbers that straddle 2^32', () => {
    expect(seqLt(0xffffffff, 0)).toBe(true);
    expect(seqGt(0, 0xffffffff)).toBe(true);
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqGt(5, 0xfffffffb)).toBe(true);
    expect(seqLe(7, 7) && seqGe(7, 7) && !seqLt(7, 7) && !seqGt(7, 7)).toBe(true);
    expect(seqAdd(0xffffffff, 1)).toBe(0);
    expect(seqAdd(0, -1)).toBe(0xffffffff);
    expect(seqDiff(3, 0xfffffffe)).toBe(5);
    expect(seqDiff(0xfffffffe, 3)).toBe(-5);
    expect(seqMax(0xfffffff0, 0x10)).toBe(0x10);
    expect(seqMin(0xfffffff0, 0x10)).toBe(0xfffffff0);
  });

  it('windows wrap too, and an empty window holds nothing', () => {
    expect(inWindow(0xffffffff, 0xfffffff0, 0x20)).toBe(true);
    expect(inWindow(0x0f, 0xfffffff0, 0x20)).toBe(true);
    expect(inWindow(0x10, 0xfffffff0, 0x20)).toBe(false);
    expect(inWindow(0xffffffef, 0xfffffff0, 0x20)).toBe(false);
    expect(inWindow(5, 5, 0)).toBe(false);
    expect(inWindow(5, 5, 1)).toBe(true);
    expect(inWindow(4, 5, TWO32 - 1)).toBe(false);
    expect(inWindow(3, 5, TWO32 - 1)).toBe(true);
  });

  it('exactly 2^31 apart the order is undefined (RFC 1982 §3.2): both read as "before", as with Linux before()', () => {
    expect(seqLt(0, TWO31) && seqLt(TWO31, 0)).toBe(true);
  });
});

describe('sequence numbers: properties', () => {
  it('seqLt is RFC 1982 serial-number order: b − a mod 2^32 in 1..2^31', () => {
    fc.assert(
      fc.property(u32, u32, (a, b) => {
        const d = mod(b, a);
        expect(seqLt(a, b)).toBe(d >= 1 && d <= TWO31);
        expect(seqGt(b, a)).toBe(seqLt(a, b));
        expect(seqLe(a, b)).toBe(seqLt(a, b) || a === b);
        expect(seqGe(b, a)).toBe(seqLe(a, b));
      }),
    );
  });

  it('exactly one of a < b, a = b, a > b unless 2^31 apart', () => {
    fc.assert(
      fc.property(u32, u32, (a, b) => {
        fc.pre(mod(a, b) !== TWO31);
        expect([seqLt(a, b), a === b, seqGt(a, b)].filter(Boolean)).toHaveLength(1);
      }),
    );
  });

  it('seqAdd and seqDiff are inverses for distances under 2^31', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: -(TWO31 - 1), max: TWO31 - 1 }), (a, n) => {
        const b = seqAdd(a, n);
        expect(b).toBe(Number(((BigInt(a) + BigInt(n)) % 2n ** 32n + 2n ** 32n) % 2n ** 32n));
        expect(seqDiff(b, a)).toBe(n);
        expect(seqLt(a, b)).toBe(n > 0);
        expect(seqGt(a, b)).toBe(n < 0);
      }),
    );
  });

  it('order is transitive inside a half-space', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 1, max: TWO31 / 2 }), fc.integer({ min: 1, max: TWO31 / 2 - 1 }), (a, x, y) => {
        const b = seqAdd(a, x);
        const c = seqAdd(b, y);
        expect(seqLt(a, b) && seqLt(b, c) && seqLt(a, c)).toBe(true);
        expect(seqMax(a, c)).toBe(c);
        expect(seqMin(c, a)).toBe(a);
      }),
    );
  });

  it('inWindow(s, start, len) iff s − start mod 2^32 < len', () => {
    fc.assert(
      fc.property(u32, u32, u32, (s, start, len) => {
        expect(inWindow(s, start, len)).toBe(mod(s, start) < len);
      }),
    );
    fc.assert(
      fc.property(u32, fc.integer({ min: 1, max: 0xffff }), fc.nat({ max: 0x1ffff }), (start, len, k) => {
        expect(inWindow(seqAdd(start, k), start, len)).toBe(k < len);
      }),
    );
  });
});

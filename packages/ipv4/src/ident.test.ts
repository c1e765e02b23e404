import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@stack/sim';
import { IdentGenerator, halfSipHash24 } from './ident.js';

describe('halfSipHash24', () => {
  it('matches the reference HalfSipHash-2-4 vector (key 00..07, message 00..0b)', () => {
    // vectors_hsip32[12] of the SipHash reference implementation: 57 f0 87 2f
    expect(halfSipHash24(0x03020100, 0x07060504, 0x03020100, 0x07060504, 0x0b0a0908)).toBe(0x2f87f057);
  });

  it('depends on the key and on every word', () => {
    const h = halfSipHash24(1, 2, 3, 4, 5);
    expect(new Set([h, halfSipHash24(1, 3, 3, 4, 5), halfSipHash24(1, 2, 3, 4, 6), halfSipHash24(1, 2, 4, 4, 5), halfSipHash24(0, 2, 3, 4, 5)]).size).toBe(5);
  });
});

describe('IdentGenerator (RFC 7739 §5)', () => {
  it('one counter per destination, counting up and wrapping at 16 bits', () => {
    const g = new IdentGenerator(new SeededRandom(1));
    const first = g.next(1, 2, 17);
    expect([g.next(1, 2, 17), g.next(1, 2, 17)]).toEqual([(first + 1) & 0xffff, (first + 2) & 0xffff]);
    for (let i = 0; i < 65_533; i++) g.next(1, 2, 17);
    expect(g.next(1, 2, 17)).toBe(first);
  });

  it('spreads destinations over counters that start at unrelated values', () => {
    const g = new IdentGenerator(new SeededRandom(2));
    const ids = Array.from({ length: 500 }, (_, i) => g.next(10, 1000 + i, 17));
    expect(new Set(ids).size).toBeGreaterThan(480);
    let successors = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i] === ids[i - 1]! + 1) successors++;
    expect(successors).toBeLessThan(5);
  });

  it('is deterministic under a seed and draws only two values from Random', () => {
    const run = (seed: number) => {
      const random = new SeededRandom(seed);
      const g = new IdentGenerator(random);
      return { ids: [g.next(1, 2, 6), g.next(1, 3, 6), g.next(1, 2, 17)], after: random.u32() };
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5).ids).not.toEqual(run(6).ids);
    const r = new SeededRandom(5);
    r.u32();
    r.u32();
    expect(run(5).after).toBe(r.u32());
  });

  it('refuses a counter count that is not a power of two', () => {
    expect(() => new IdentGenerator(new SeededRandom(1), 1000)).toThrow(RangeError);
    expect(new IdentGenerator(new SeededRandom(1), 1).next(1, 2, 3)).toBeTypeOf('number');
  });
});

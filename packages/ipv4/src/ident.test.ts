import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRandom } from '@stack/sim';
import { IDENT_COUNTERS, IdentGenerator, halfSipHash24 } from './ident.js';

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

  it('gives every datagram the id of the keyed-hash counter, however destinations interleave (the last one hashed is remembered) (property)', () => {
    const tuple = fc.tuple(fc.constantFrom(0x0a00_0001, 0xc0a8_0001), fc.constantFrom(0x0a00_0002, 0x0a00_0003, 0xe000_0001, 0xffff_ffff), fc.constantFrom(1, 6, 17));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.tuple(tuple, fc.integer({ min: 1, max: 3 })), { maxLength: 60 }), (seed, calls) => {
        const g = new IdentGenerator(new SeededRandom(seed));
        // The model: the same two draws for the key, a counter per hash bucket, hashed on every call.
        const r = new SeededRandom(seed);
        const k0 = r.u32() | 0;
        const k1 = r.u32() | 0;
        const counters = new Map<number, number>();
        for (const [[src, dst, protocol], count] of calls) {
          const i = halfSipHash24(k0, k1, src, dst, protocol) & (IDENT_COUNTERS - 1);
          const id = counters.get(i) ?? halfSipHash24(k0, k1, i, 0, 0x100) & 0xffff;
          counters.set(i, (id + count) & 0xffff);
          expect(g.next(src, dst, protocol, count)).toBe(id);
        }
      }),
    );
  });
});

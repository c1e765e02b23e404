import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError } from '@stack/interfaces';
import { secFracToMs, splitTimestamp, ticks64ToMs, toTicks64, tsresolTicks } from './timestamp.js';

describe('timestamps', () => {
  it('splits milliseconds into seconds and rounded ticks', () => {
    expect(splitTimestamp(1234.5678, 1e6, { sec: 0, frac: 0 })).toEqual({ sec: 1, frac: 234568 });
    expect(splitTimestamp(1234.5678, 1e9, { sec: 0, frac: 0 })).toEqual({ sec: 1, frac: 234567800 });
    expect(splitTimestamp(0, 1e6, { sec: 0, frac: 0 })).toEqual({ sec: 0, frac: 0 });
    // 999.9999 ms rounds up to a whole second, not to frac = 1e6
    expect(splitTimestamp(999.9999, 1e6, { sec: 0, frac: 0 })).toEqual({ sec: 1, frac: 0 });
  });

  it('rejects times a file cannot hold', () => {
    for (const bad of [-1, NaN, Infinity, 2 ** 32 * 1000]) {
      let thrown: unknown;
      try { splitTimestamp(bad, 1e6, { sec: 0, frac: 0 }); } catch (e) { thrown = e; }
      expect(isStackError(thrown, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('builds 64-bit tick counts exactly (BigInt oracle)', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.constantFrom(1e6, 1e9), fc.nat(999_999_999), (sec, ticks, f) => {
        const frac = f % ticks;
        const t = toTicks64(sec, frac, ticks, { high: 0, low: 0 });
        const want = BigInt(sec) * BigInt(ticks) + BigInt(frac);
        expect(BigInt(t.high) * 2n ** 32n + BigInt(t.low)).toBe(want);
        expect(t.low).toBeLessThan(2 ** 32);
      }),
    );
  });

  it('converts tick counts back to milliseconds exactly in seconds and ticks', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.constantFrom(1e6, 1e9), fc.nat(999_999_999), (sec, ticks, f) => {
        const frac = f % ticks;
        const t = toTicks64(sec, frac, ticks, { high: 0, low: 0 });
        expect(ticks64ToMs(t.high, t.low, ticks)).toBe(secFracToMs(sec, frac, ticks));
      }),
    );
  });

  it('decodes if_tsresol (pcapng §4.2)', () => {
    expect(tsresolTicks(6)).toBe(1e6);
    expect(tsresolTicks(9)).toBe(1e9);
    expect(tsresolTicks(0x80 | 10)).toBe(1024);
    expect(tsresolTicks(0x7f)).toBeUndefined();
  });
});

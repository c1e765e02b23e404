import { describe, expect, it } from 'vitest';
import { PathMtuCache } from './pmtu.js';

describe('PathMtuCache (RFC 1191)', () => {
  const D = 0x0a4d0009;

  it('only lowers, never below the floor, and forgets after the timeout', () => {
    const c = new PathMtuCache({ minPathMtu: 552, timeout: 600_000 });
    expect(c.get(D, 0)).toBeUndefined();
    expect(c.update(D, 1400, 1500, 0)).toBe(true);
    expect(c.get(D, 10)).toBe(1400);
    expect(c.update(D, 1450, 1400, 10)).toBe(false); // no increase
    expect(c.update(D, 300, 1400, 20)).toBe(true);
    expect(c.get(D, 30)).toBe(552); // clamped up to the floor
    expect(c.update(D, 0, 552, 30)).toBe(false); // RFC 792 router: no MTU given
    expect(c.get(D, 600_019)).toBe(552);
    expect(c.get(D, 600_020)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('is bounded: the oldest destination is forgotten first', () => {
    const c = new PathMtuCache({ minPathMtu: 552, timeout: 1000, maxEntries: 2 });
    c.update(1, 1000, 1500, 0);
    c.update(2, 1000, 1500, 0);
    c.update(3, 1000, 1500, 0);
    expect(c.size).toBe(2);
    expect(c.get(1, 0)).toBeUndefined();
    expect(c.list(0).map((e) => e.dst)).toEqual([2, 3]);
  });
});

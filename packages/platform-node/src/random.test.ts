import { describe, expect, it } from 'vitest';
import { CryptoRandom, RANDOM_POOL_BYTES } from './random.js';

describe('CryptoRandom', () => {
  it('gives unsigned 32-bit integers that use every bit', () => {
    const r = new CryptoRandom();
    let or = 0;
    let and = 0xffffffff;
    for (let i = 0; i < 5000; i++) {
      const x = r.u32();
      expect(Number.isInteger(x) && x >= 0 && x <= 0xffffffff).toBe(true);
      or = (or | x) >>> 0;
      and = (and & x) >>> 0;
    }
    // 5000 draws: the chance that some bit never flips is about 32 * 2^-5000.
    expect(or).toBe(0xffffffff);
    expect(and).toBe(0);
  });

  it('refills its 4 KiB pool only when it runs dry', () => {
    const r = new CryptoRandom();
    const perPool = RANDOM_POOL_BYTES / 4;
    const seen = new Set<number>();
    for (let i = 0; i < perPool; i++) seen.add(r.u32());
    expect(r.refills).toBe(1);
    r.u32();
    expect(r.refills).toBe(2);
    // 1024 draws from 2^32: a repeat has probability ~1.2e-4; all-equal would mean a broken pool
    expect(seen.size).toBeGreaterThan(perPool - 3);
  });

  it('fills small and large buffers, never handing the same pool bytes out twice', () => {
    const r = new CryptoRandom();
    const a = new Uint8Array(16);
    const b = new Uint8Array(16);
    r.fill(a);
    r.fill(b);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    // larger than one getRandomValues call (64 KiB): the tail must be filled too
    const big = new Uint8Array(70_000);
    r.fill(big);
    expect(big.subarray(66_000).some((x) => x !== 0)).toBe(true);
    expect(big.subarray(0, 4000).some((x) => x !== 0)).toBe(true);
    r.fill(new Uint8Array(0));
    // odd sizes across a refill boundary
    const odd = new Uint8Array(RANDOM_POOL_BYTES - 3);
    r.fill(odd);
    r.fill(new Uint8Array(7));
    expect(Number.isInteger(r.u32())).toBe(true);
  });

  it('fills a subarray without touching the bytes around it', () => {
    const r = new CryptoRandom();
    const buf = new Uint8Array(64);
    r.fill(buf.subarray(8, 56));
    expect(buf.subarray(0, 8).every((x) => x === 0)).toBe(true);
    expect(buf.subarray(56).every((x) => x === 0)).toBe(true);
    expect(buf.subarray(8, 56).some((x) => x !== 0)).toBe(true);
  });
});

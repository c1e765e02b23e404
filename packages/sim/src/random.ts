import type { Random } from '@stack/interfaces';

/**
 * A seeded PRNG behind the Random contract: xoshiro128** (Blackman and Vigna,
 * 2018; public-domain reference algorithm), its 128-bit state filled from
 * the 32-bit seed with SplitMix32. Fast, small state, passes BigCrush, and —
 * what matters here — the same seed gives the same sequence on every
 * machine, so a simulation replays byte for byte. Not cryptographic.
 */
export class SeededRandom implements Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The seed this generator started from (print it when a test fails). */
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    let x = this.seed;
    const next = (): number => {
      // SplitMix32 (a 32-bit variant of Steele et al.'s SplitMix64).
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is a fixed point
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Fills `bytes` with random bytes, four per draw. */
  fill(bytes: Uint8Array): void {
    let i = 0;
    for (; i + 4 <= bytes.length; i += 4) {
      const r = this.u32();
      bytes[i] = r;
      bytes[i + 1] = r >>> 8;
      bytes[i + 2] = r >>> 16;
      bytes[i + 3] = r >>> 24;
    }
    if (i < bytes.length) {
      let r = this.u32();
      for (; i < bytes.length; i++, r >>>= 8) bytes[i] = r;
    }
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /**
   * An integer in [0, n), without modulo bias: Lemire's multiply-and-reject,
   * with the 32×32-bit product split in 16-bit halves so it stays exact in a
   * double for every n up to 2^32.
   */
  below(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= 0x1_0000_0000)) throw new RangeError(`below(n) needs an integer 1 <= n <= 2^32, got ${n}`);
    const threshold = (0x1_0000_0000 - n) % n;
    const nHi = Math.floor(n / 0x10000);
    const nLo = n % 0x10000;
    for (;;) {
      const r = this.u32();
      const rHi = r >>> 16;
      const rLo = r & 0xffff;
      // r * n = hi * 2^32 + low, computed exactly.
      const lo = rLo * nLo;
      const mid = rHi * nLo + rLo * nHi + Math.floor(lo / 0x10000);
      const low = (mid % 0x10000) * 0x10000 + (lo % 0x10000);
      const high = rHi * nHi + Math.floor(mid / 0x10000);
      if (low >= threshold) return high;
    }
  }

  /** True with probability `p` (0..1). */
  chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }

  /** A new generator whose seed is drawn from this one: for giving each host its own stream. */
  fork(): SeededRandom {
    return new SeededRandom(this.u32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

import { getRandomValues } from 'node:crypto';
import type { Random } from '@stack/interfaces';

/** Bytes drawn from the OS per refill of CryptoRandom's pool. */
export const RANDOM_POOL_BYTES = 4096;

/** getRandomValues refuses more than 65536 bytes per call (Web Crypto). */
const MAX_GET_RANDOM = 65536;

/**
 * Cryptographically strong randomness behind the Random contract, for real
 * stacks (ISNs, ephemeral ports, DNS ids: RFC 6528, RFC 6056). Draws 4 KiB
 * at a time from `crypto.getRandomValues` into a pool, so `u32()` is an
 * array read most of the time. Not reproducible: use `SeededRandom` from
 * `@stack/sim` where a run must replay.
 */
export class CryptoRandom implements Random {
  private readonly pool = new Uint8Array(RANDOM_POOL_BYTES);
  private readonly words = new Uint32Array(this.pool.buffer, 0, RANDOM_POOL_BYTES >>> 2);
  /** Next unused byte of the pool (always a multiple of 4 when u32 reads). */
  private pos = RANDOM_POOL_BYTES;
  /** How many times the pool was refilled (for tests and curiosity). */
  refills = 0;

  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    if (this.pos > RANDOM_POOL_BYTES - 4) this.refill();
    const r = this.words[this.pos >>> 2]!;
    this.pos += 4;
    return r;
  }

  /** Fills `bytes` with random bytes: from the pool when small, straight from the OS when large. */
  fill(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n >= RANDOM_POOL_BYTES) {
      for (let off = 0; off < n; off += MAX_GET_RANDOM) {
        getRandomValues(bytes.subarray(off, Math.min(n, off + MAX_GET_RANDOM)));
      }
      return;
    }
    let done = 0;
    while (done < n) {
      if (this.pos >= RANDOM_POOL_BYTES) this.refill();
      const take = Math.min(n - done, RANDOM_POOL_BYTES - this.pos);
      bytes.set(this.pool.subarray(this.pos, this.pos + take), done);
      // Used bytes are never handed out twice.
      this.pos += take;
      done += take;
    }
    // Keep u32 reads aligned.
    this.pos = (this.pos + 3) & ~3;
  }

  private refill(): void {
    getRandomValues(this.pool);
    this.pos = 0;
    this.refills++;
  }
}

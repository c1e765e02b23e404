import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('token bucket', () => {
  it('starts full, empties, and refills at the given rate', () => {
    const b = new TokenBucket(3, 10, 1000);
    expect([b.take(1000), b.take(1000), b.take(1000), b.take(1000)]).toEqual([true, true, true, false]);
    expect(b.take(1099)).toBe(false); // 0.99 tokens
    expect(b.take(1100)).toBe(true); // 1 token after 100 ms at 10/s
    expect(b.take(1100)).toBe(false);
    expect(b.available(10_000)).toBe(3); // capped at the burst
  });
  it('burst 0 never sends; rate 0 never refills', () => {
    expect(new TokenBucket(0, 100, 0).take(1e9)).toBe(false);
    const b = new TokenBucket(1, 0, 0);
    expect([b.take(0), b.take(1e9)]).toEqual([true, false]);
  });
});

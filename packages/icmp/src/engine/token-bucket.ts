/**
 * A token bucket on caller-supplied time (sans-IO): the ICMP error rate limit
 * RFC 1812 §4.3.2.8 and RFC 1122 §3.2.2 ask for. It holds at most `burst`
 * tokens, starts full, and refills at `perSecond` tokens a second (fractions
 * accumulate). Each error sent takes one token.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly burst: number;
  readonly perSecond: number;

  constructor(burst: number, perSecond: number, now: number) {
    this.burst = burst;
    this.perSecond = perSecond;
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token at time `now` (ms). False when the bucket is empty. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Tokens available at `now` (for inspection and tests). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
      this.last = now;
    }
  }
}

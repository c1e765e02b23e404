/**
 * A token bucket on explicit time: `rate` tokens per second, holding at most
 * `burst`. Used to cap the ARP requests we send (a flood of writes to
 * unknown addresses must not become a flood of broadcasts). Sans-IO: the
 * caller passes `now` (ms).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly rate: number;
  readonly burst: number;

  constructor(rate: number, burst: number, now = 0) {
    this.rate = rate;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token if there is one; false when the rate is exceeded. */
  take(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

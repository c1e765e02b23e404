/**
 * The retransmission timeout of RFC 6298: SRTT and RTTVAR from RTT samples
 * (§2.2, §2.3, with a clock granularity G of 1 ms), the RTO rounded up to
 * whole ms and clamped to [min, max] (§2.4, §2.5), and doubling on expiry
 * (§5.5). A backed-off RTO stays until the next sample (Karn's algorithm:
 * the caller feeds no samples from retransmitted segments).
 */
export class RttEstimator {
  /** Smoothed RTT in ms, or -1 before the first sample. */
  srtt = -1;
  rttvar = 0;
  /** The current RTO in ms. */
  rto: number;

  constructor(initial: number, private readonly min: number, private readonly max: number) {
    this.rto = initial;
  }

  /** Takes one RTT measurement `r` (ms, ≥ 0). */
  sample(r: number): void {
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.rto = Math.min(Math.max(Math.ceil(this.srtt + Math.max(1, 4 * this.rttvar)), this.min), this.max);
  }

  /** The timer expired: RTO ← min(2·RTO, max). */
  backoff(): void {
    this.rto = Math.min(this.rto * 2, this.max);
  }
}

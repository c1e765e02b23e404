import type { CongestionControl } from './index.js';
import { DEFAULT_MSS, initialWindow } from './newreno.js';

/** CUBIC's scaling constant C, in segments per second³ (RFC 9438 §5.1). */
export const CUBIC_C = 0.4;
/** CUBIC's multiplicative decrease factor β_cubic (RFC 9438 §4.6). */
export const CUBIC_BETA = 0.7;
/** The Reno-friendly additive increase α_cubic = 3(1 − β)/(1 + β) (RFC 9438 §4.3), ≈ 0.529. */
export const CUBIC_ALPHA = (3 * (1 - CUBIC_BETA)) / (1 + CUBIC_BETA);

/**
 * K of RFC 9438 §4.2 (Figure 2), in seconds: the time the window function
 * takes to climb from `cwndEpoch` back to `wMax` (both in segments),
 * ∛((W_max − cwnd_epoch)/C); 0 when cwnd_epoch is already at or above W_max.
 */
export function cubicK(wMax: number, cwndEpoch: number): number {
  return wMax > cwndEpoch ? Math.cbrt((wMax - cwndEpoch) / CUBIC_C) : 0;
}

/** W_cubic(t) = C·(t − K)³ + W_max (RFC 9438 §4.2, Figure 1): segments, `t` and `k` in seconds. */
export function cubicWindow(t: number, k: number, wMax: number): number {
  return CUBIC_C * (t - k) ** 3 + wMax;
}

/**
 * CUBIC (RFC 9438), the default congestion control. Slow start as NewReno
 * (§4.10: RFC 5681 slow start, no HyStart++). In congestion avoidance the
 * window follows W_cubic(t) = C·(t − K)³ + W_max (§4.2) from the start of
 * the stage (t_epoch, taken from `now`): on each ACK it moves toward
 * target = W_cubic(t + SRTT) clamped to [cwnd, 1.5·cwnd] by
 * (target − cwnd)/cwnd per acknowledged segment — concave below W_max
 * (§4.4), convex above it (§4.5) — unless the Reno-friendly estimate W_est
 * (§4.3: from cwnd_epoch, + α_cubic per cwnd of acknowledged segments,
 * α_cubic = 1 once W_est ≥ cwnd_prior) is larger, in which case cwnd = W_est.
 *
 * On a congestion event (the third duplicate ACK, §4.6) W_max = cwnd, or
 * cwnd·(1 + β)/2 when cwnd is below the previous W_max (fast convergence,
 * §4.7); ssthresh = max(β·FlightSize, 2·MSS) and cwnd = ssthresh, which the
 * engine's fast recovery (RFC 6582: +3·MSS, +1·MSS per further duplicate,
 * deflated by partial ACKs, min(ssthresh, flight + MSS) at the end) then
 * adjusts as for NewReno. On an RTO (§4.8) ssthresh = max(β·FlightSize,
 * 2·MSS), cwnd = 1 MSS (RFC 5681), and the first congestion avoidance stage
 * afterwards starts with K = 0 and W_max = its cwnd_epoch.
 *
 * Windows are kept in bytes (a fractional cwnd inside, whole bytes out) and
 * converted to segments with the MSS where the RFC's formulas need them.
 * Not done: undo after a spurious congestion event (§4.9; the engine
 * detects none), ECN (§4.6's other reduction), and freezing t while the
 * application limits the sender (§4.2 with RFC 7661).
 */
export class Cubic implements CongestionControl {
  ssthresh = 0x7fffffff;
  /** W_max in bytes: the window before the last reduction (fast convergence may lower it); 0 before any. */
  wMax = 0;
  /** cwnd_prior (§4.6): cwnd when ssthresh was last set by a congestion event, in bytes. */
  cwndPrior = 0;
  /** K of the current congestion avoidance stage, seconds. */
  k = 0;
  /** W_est (§4.3), bytes. */
  wEst = 0;
  /** t_epoch: `now` when the current congestion avoidance stage began, or -1 outside one. */
  epochStart = -1;
  /** The fractional congestion window, bytes. */
  private w: number;
  /** The next congestion avoidance stage follows an RTO (§4.8). */
  private afterTimeout = false;

  constructor(
    private readonly initialSegments: number,
    /** Fast convergence (§4.7): on by default, as the RFC recommends. */
    private readonly fastConvergence = true,
  ) {
    this.w = initialSegments * DEFAULT_MSS;
  }

  get cwnd(): number {
    return Math.floor(this.w);
  }

  onEstablished(mss: number): void {
    this.w = initialWindow(this.initialSegments, mss);
  }

  onAck(acked: number, mss: number, now: number, srtt: number): void {
    if (this.w < this.ssthresh) {
      this.w += Math.min(acked, mss);
      return;
    }
    if (this.epochStart < 0) this.startEpoch(now, mss);
    const t = (now - this.epochStart) / 1000;
    const rtt = Math.max(srtt, 0) / 1000;
    const wMaxSeg = this.wMax / mss;
    // §4.3: W_est += α·segments_acked/cwnd (segments), in bytes α·acked·MSS/cwnd.
    const alpha = this.wEst >= this.cwndPrior ? 1 : CUBIC_ALPHA;
    this.wEst += (alpha * acked * mss) / this.w;
    if (cubicWindow(t, this.k, wMaxSeg) * mss < this.wEst) {
      // Reno-friendly region: cwnd = W_est (never shrinking on an ACK).
      this.w = Math.max(this.w, this.wEst);
      return;
    }
    // Concave (cwnd < W_max, §4.4) or convex (§4.5): toward the target one RTT ahead (§4.2).
    const target = Math.min(Math.max(cubicWindow(t + rtt, this.k, wMaxSeg) * mss, this.w), 1.5 * this.w);
    // (target − cwnd)/cwnd segments per acknowledged segment, in bytes (target − cwnd)·acked/cwnd.
    this.w += ((target - this.w) * acked) / this.w;
  }

  /** The start of a congestion avoidance stage (§4.2, §4.3, §4.8). */
  private startEpoch(now: number, mss: number): void {
    this.epochStart = now;
    // After an RTO, or entering congestion avoidance above the last W_max: K = 0, W_max = cwnd_epoch.
    if (this.afterTimeout || this.wMax < this.w) this.wMax = this.w;
    this.afterTimeout = false;
    this.k = cubicK(this.wMax / mss, this.w / mss);
    this.wEst = this.w;
  }

  /** §4.6 and §4.7: remember the window, lower W_max, set ssthresh from the flight. */
  private congestionEvent(flight: number, mss: number): void {
    this.cwndPrior = this.w;
    this.wMax = this.fastConvergence && this.w < this.wMax ? (this.w * (1 + CUBIC_BETA)) / 2 : this.w;
    this.ssthresh = Math.max(Math.floor(flight * CUBIC_BETA), 2 * mss);
    this.epochStart = -1;
  }

  onRetransmitTimeout(flight: number, mss: number): void {
    // A timeout again before the window grew: keep cwnd_prior and W_max of the first (RFC 5681 holds ssthresh too).
    if (this.w > mss) this.congestionEvent(flight, mss);
    this.w = mss;
    this.epochStart = -1;
    this.afterTimeout = true;
  }

  onFastRetransmit(flight: number, mss: number): void {
    this.congestionEvent(flight, mss);
    // cwnd = ssthresh (§4.6), plus the three segments that left the network (RFC 6582 §3.2 step 2).
    this.w = this.ssthresh + 3 * mss;
  }

  onRecoveryDupAck(mss: number): void {
    this.w += mss;
  }

  onPartialAck(acked: number, mss: number): void {
    this.w = Math.max(this.w - acked + (acked >= mss ? mss : 0), mss);
  }

  onRecoveryEnd(flight: number, mss: number): void {
    this.w = Math.min(this.ssthresh, Math.max(flight, mss) + mss);
  }
}

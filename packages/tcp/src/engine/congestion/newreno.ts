import type { CongestionControl } from './index.js';

/** MSS the initial window assumes until the handshake says otherwise (RFC 9293 §3.7.1's default). */
export const DEFAULT_MSS = 536;

/** The initial window in bytes: RFC 6928's min(10·SMSS, max(2·SMSS, 14600)) for 10 segments, else `segments`·MSS. */
export function initialWindow(segments: number, mss: number): number {
  return segments === 10 ? Math.min(10 * mss, Math.max(2 * mss, 14_600)) : segments * mss;
}

/**
 * NewReno (RFC 5681 with RFC 6582): slow start below ssthresh (cwnd grows
 * by min(acked, MSS) per ACK, RFC 3465 with L = 1), congestion avoidance
 * above it (one MSS per cwnd of acknowledged bytes); on the third duplicate
 * ACK ssthresh = max(flight/2, 2·MSS) and cwnd = ssthresh + 3·MSS, inflated
 * by one MSS per further duplicate, deflated by partial ACKs, and set to
 * min(ssthresh, max(flight, MSS) + MSS) when recovery ends; after an RTO
 * ssthresh = max(flight/2, 2·MSS) and cwnd = 1 MSS.
 */
export class NewReno implements CongestionControl {
  cwnd: number;
  ssthresh = 0x7fffffff;
  /** Bytes acknowledged in congestion avoidance since cwnd last grew. */
  private avoidAcked = 0;

  constructor(private readonly initialSegments: number) {
    this.cwnd = initialSegments * DEFAULT_MSS;
  }

  onEstablished(mss: number): void {
    this.cwnd = initialWindow(this.initialSegments, mss);
  }

  onAck(acked: number, mss: number): void {
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, mss);
      return;
    }
    this.avoidAcked += acked;
    if (this.avoidAcked >= this.cwnd) {
      this.avoidAcked -= this.cwnd;
      this.cwnd += mss;
    }
  }

  onRetransmitTimeout(flight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * mss);
    this.cwnd = mss;
    this.avoidAcked = 0;
  }

  onFastRetransmit(flight: number, mss: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * mss);
    this.cwnd = this.ssthresh + 3 * mss;
    this.avoidAcked = 0;
  }

  onRecoveryDupAck(mss: number): void {
    this.cwnd += mss;
  }

  onPartialAck(acked: number, mss: number): void {
    this.cwnd = Math.max(this.cwnd - acked + (acked >= mss ? mss : 0), mss);
  }

  onRecoveryEnd(flight: number, mss: number): void {
    this.cwnd = Math.min(this.ssthresh, Math.max(flight, mss) + mss);
  }
}

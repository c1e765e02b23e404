/** MSS the initial window assumes until the handshake says otherwise (RFC 9293 §3.7.1's default). */
const DEFAULT_MSS = 536;

/**
 * What a congestion controller sees and decides (RFC 5681), so NewReno and,
 * later, CUBIC (RFC 9438) plug into the same connection. The connection
 * detects the events (ACKs, duplicate ACKs, partial ACKs, timeouts) and
 * picks what to retransmit; the controller only sizes the window. Windows
 * are in bytes; `mss` is the sender's effective segment size, `flight` the
 * bytes sent and not yet acknowledged (RFC 5681's FlightSize).
 */
export interface CongestionControl {
  /** The congestion window (cwnd). */
  readonly cwnd: number;
  /** The slow-start threshold (ssthresh). */
  readonly ssthresh: number;
  /** The handshake completed: the initial window depends on the MSS (RFC 5681 §3.1, RFC 6928). */
  onEstablished(mss: number): void;
  /** `acked` new bytes were cumulatively acknowledged, outside loss recovery. */
  onAck(acked: number, mss: number, now: number): void;
  /** The retransmission timer expired (RFC 5681 §3.1, eq. 4 and the loss window). */
  onRetransmitTimeout(flight: number, mss: number): void;
  /** Third duplicate ACK: fast retransmit and enter fast recovery (RFC 5681 §3.2 steps 2–3, RFC 6582 §3.2 step 2). */
  onFastRetransmit(flight: number, mss: number): void;
  /** A further duplicate ACK during recovery: a segment has left the network (RFC 6582 §3.2 step 3). */
  onRecoveryDupAck(mss: number): void;
  /** A partial ACK of `acked` bytes during recovery (RFC 6582 §3.2 step 5). */
  onPartialAck(acked: number, mss: number): void;
  /** A full ACK ends recovery; `flight` is what is still outstanding (RFC 6582 §3.2 step 5). */
  onRecoveryEnd(flight: number, mss: number): void;
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
    // RFC 6928: IW = min(10·SMSS, max(2·SMSS, 14600)) for the default of 10; other counts as configured.
    this.cwnd = this.initialSegments === 10 ? Math.min(10 * mss, Math.max(2 * mss, 14_600)) : this.initialSegments * mss;
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

// Congestion control behind one interface (RFC 5681): NewReno (RFC 6582)
// and CUBIC (RFC 9438, the default). The connection detects the events;
// a controller only sizes the window.
import { Cubic } from './cubic.js';
import { NewReno } from './newreno.js';

/**
 * What a congestion controller sees and decides (RFC 5681), so NewReno and
 * CUBIC (RFC 9438) plug into the same connection. The connection detects
 * the events (ACKs, duplicate ACKs, partial ACKs, timeouts) and picks what
 * to retransmit; the controller only sizes the window. Windows are in
 * bytes; `mss` is the sender's effective segment size, `flight` the bytes
 * sent and not yet acknowledged (RFC 5681's FlightSize). Times are ms, from
 * the `now` the connection was given (no clock of its own).
 */
export interface CongestionControl {
  /** The congestion window (cwnd), whole bytes. */
  readonly cwnd: number;
  /** The slow-start threshold (ssthresh). */
  readonly ssthresh: number;
  /** The handshake completed: the initial window depends on the MSS (RFC 5681 §3.1, RFC 6928). */
  onEstablished(mss: number): void;
  /**
   * `acked` new bytes were cumulatively acknowledged at `now`, outside loss
   * recovery; `srtt` is the smoothed RTT in ms, or -1 before the first sample.
   */
  onAck(acked: number, mss: number, now: number, srtt: number): void;
  /** The retransmission timer expired (RFC 5681 §3.1, eq. 4 and the loss window; RFC 9438 §4.8). */
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

/** The congestion control algorithms `TcpConfig.congestion` may name. */
export type CongestionAlgorithm = 'cubic' | 'newreno';

/** A fresh controller of the named algorithm with an initial window of `initialSegments` (RFC 6928). */
export function createCongestionControl(algorithm: CongestionAlgorithm, initialSegments: number): CongestionControl {
  return algorithm === 'newreno' ? new NewReno(initialSegments) : new Cubic(initialSegments);
}

export { NewReno, initialWindow } from './newreno.js';
export { Cubic, CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, cubicK, cubicWindow } from './cubic.js';

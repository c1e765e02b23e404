// TIME-WAIT in a few numbers (RFC 9293 §3.10.7.4's TIME-WAIT rows), as
// Linux's inet_timewait_sock: once both FINs are through and nothing is
// left to send or read, a connection needs only its sequence numbers, its
// timestamp state, the window it advertises and its deadline. The layer
// swaps the whole connection (TCB, buffers, congestion control) for this
// record, which keeps besides only the connection's counters object (by
// reference, for `info()`); it answers every segment as the full engine
// would in TIME-WAIT, byte for byte (input.ts, ack.ts and receiver.ts for
// the rules it mirrors; timewait.test.ts checks the two against each other).
import { TCP_DEFAULTS, type ResolvedTcpConfig } from '../config.js';
import { TcpFlags as F } from '../wire/fields.js';
import type { TcpOptions } from '../wire/options.js';
import { takeChallenge } from './input.js';
import { NO_OPTIONS } from './options.js';
import { inWindow } from './receiver.js';
import { borrowTx, returnTx } from './scratch.js';
import { controlSegment } from './sender.js';
import type { SegmentIn, TcpOutput } from './segment.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './sequence.js';
import { TcpState } from './state.js';
import { newCounters, type TcpConnectionCounters } from './info.js';
import type { Tcb } from './tcb.js';

/**
 * Whether `t` can be swapped for a compact record (`TcpConnection.canCompactTimeWait`):
 * it is in TIME-WAIT with nothing owed or held — no segment waiting to go,
 * no timer but TIME-WAIT's, nothing unread or out of order, nothing in
 * flight, RCV.NXT acknowledged (so Last.ACK.sent, RFC 7323 §4.3, is RCV.NXT
 * while TIME-WAIT lasts). Not exported from the package.
 */
export function timeWaitReady(t: Tcb): boolean {
  return !(
    t.st !== TcpState.TIME_WAIT || t.rstPending || t.ackNow || t.synAckAgain || t.retransmitHead || t.inRecovery ||
    t.recvBuf.length > 0 || t.reasm.count > 0 || t.lastAckSent !== t.rcvNxt || t.sndUna !== t.sndMax || t.rtoDeadline !== Infinity ||
    t.delAckDeadline !== Infinity || t.userDeadline !== Infinity || t.fw2Deadline !== Infinity
  );
}

/** Counters of a record not filled from a connection (never shown in practice). */
const NO_COUNTERS: Readonly<TcpConnectionCounters> = Object.freeze(newCounters());

const TS_ON = 1;
const ACK_NOW = 2;
const CLOSED = 4;
const ABORTED = 8;

/** A snapshot of a compact TIME-WAIT for `stack.inspect()` (the fields of `TcpConnectionInfo` it still has). */
export interface TcpTimeWaitInfo {
  readonly state: TcpState;
  readonly error: 'aborted' | null;
  readonly timestamps: boolean;
  readonly sndWscale: number;
  readonly rcvWscale: number;
  /** The window we last advertised (bytes past RCV.NXT we accept). */
  readonly rcvWnd: number;
  readonly sendBuffered: 0;
  readonly recvBuffered: 0;
  readonly bytesInFlight: 0;
  /** The connection's counters as they were when it went compact (retransmissions and the rest stay visible). */
  readonly counters: Readonly<TcpConnectionCounters>;
}

/**
 * A connection in TIME-WAIT reduced to what that state uses (RFC 9293
 * §3.10.7.4, RFC 7323 §5 PAWS, RFC 5961 challenge ACKs): filled from a full
 * connection by `TcpConnection.compactTimeWait`, then driven like one —
 * `input`, `poll`, `nextDeadline` — until it is CLOSED (its deadline
 * passed, or an RST at RCV.NXT, or `abort` / `close`). What it does, as the engine:
 * a segment failing PAWS is dropped (ACKed when it carried a timestamp); one
 * outside the window is ACKed (a SYN: a rate-limited challenge ACK; an RST:
 * nothing), and a FIN restarts the 2MSL timer; an RST at RCV.NXT closes it
 * (no RFC 1337 protection, as Linux by default), elsewhere in the window
 * draws a challenge ACK, as does an in-window SYN; an ACK outside RFC
 * 5961's range draws a challenge ACK; a FIN (the peer's retransmission) is
 * ACKed and restarts the timer; the rest is dropped. The layer keeps it in
 * its table under the 4-tuple and lets a new SYN replace it (`acceptsNewSyn`).
 * It keeps the connection's counters (`TcpConnectionInfo.counters`, as they
 * were when it went compact) and shows them in `info()`; it counts nothing
 * itself.
 */
export class TcpTimeWait {
  private bits = 0;
  /** Our port and the peer's (set with the rest by `TcpConnection.compactTimeWait`; do not change). */
  localPort = 0;
  remotePort = 0;
  /** The connection's config (shared): `timeWait` and `challengeAckLimit`. */
  private cfg: ResolvedTcpConfig = TCP_DEFAULTS;
  /** SND.NXT: everything we sent, our FIN included, is acknowledged (SND.UNA = SND.NXT = SND.MAX). */
  private sndNxt = 0;
  private rcvNxt = 0;
  /** Bytes past RCV.NXT we accept: the right edge last advertised (never moved left, RFC 7323 §2.4). */
  private rcvWnd = 0;
  /** The window field of our ACKs (the whole receive buffer, scaled: nothing is left unread) and its shift. */
  private window = 0;
  private rcvWs = 0;
  /** The peer's window state, for RFC 5961 §5.2's lower bound on acceptable ACKs (SND.UNA − MAX.SND.WND). */
  private sndWs = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private maxSndWnd = 0;
  private tsRecent = 0;
  private tsOffset = 0;
  /** RFC 5961 §7's limit (`ChallengeLimit`), carried over from the connection. */
  challengeStart = -Infinity;
  challengeCount = 0;
  private until = Infinity;
  /** The full connection's counters, kept (not copied) for `info()`: what it did stays visible, as `ss` users expect. */
  private counters: Readonly<TcpConnectionCounters> | null = null;

  /**
   * @internal Use `TcpConnection.compactTimeWait`. Copies what TIME-WAIT
   * needs from `t` into `tw`: false, and nothing copied, unless
   * `timeWaitReady(t)`.
   */
  static fill(tw: TcpTimeWait, t: Tcb): boolean {
    if (!timeWaitReady(t)) return false;
    tw.bits = t.tsOn ? TS_ON : 0;
    tw.localPort = t.localPort;
    tw.remotePort = t.remotePort;
    tw.cfg = t.cfg;
    tw.sndNxt = t.sndMax;
    tw.rcvNxt = t.rcvNxt;
    tw.rcvWnd = Math.max(seqDiff(t.rcvAdvRight, t.rcvNxt), 0);
    // receiver.ts `windowField` with an empty receive buffer: the whole buffer, and no SWS hold.
    tw.window = Math.min(t.recvBuf.free >>> t.rcvWs, 0xffff);
    tw.rcvWs = t.rcvWs;
    tw.sndWs = t.sndWs;
    tw.sndWl1 = t.sndWl1;
    tw.sndWl2 = t.sndWl2;
    tw.maxSndWnd = t.maxSndWnd;
    tw.tsRecent = t.tsRecent;
    tw.tsOffset = t.tsOffset;
    tw.challengeStart = t.challengeStart;
    tw.challengeCount = t.challengeCount;
    tw.until = t.timeWaitDeadline;
    tw.counters = t.counters;
    return true;
  }

  /** When TIME-WAIT ends (absolute ms, as `now`; a retransmitted FIN moves it later); Infinity once CLOSED. */
  get expires(): number {
    return this.until;
  }

  /** TIME-WAIT, or CLOSED once it ended. */
  get state(): TcpState {
    return (this.bits & CLOSED) !== 0 ? TcpState.CLOSED : TcpState.TIME_WAIT;
  }


  /**
   * Whether a SYN for this 4-tuple may start a new connection (RFC 9293
   * §3.10.7.4, RFC 6191, as `TcpConnection.acceptsNewSyn`): its sequence
   * number lies beyond RCV.NXT, or timestamps are on and its TSval is newer
   * than TS.Recent.
   */
  acceptsNewSyn(syn: SegmentIn): boolean {
    if ((this.bits & CLOSED) !== 0) return false;
    if (seqGt(syn.seq, this.rcvNxt)) return true;
    return (this.bits & TS_ON) !== 0 && syn.options.hasTimestamps && seqGt(syn.options.tsValue, this.tsRecent);
  }

  /** 'aborted' once `abort` ended it, else null (also after a clean end). */
  get error(): 'aborted' | null {
    return (this.bits & ABORTED) !== 0 ? 'aborted' : null;
  }

  /** Ends TIME-WAIT at once with error 'aborted' (the application aborted, the layer closed), as `TcpConnection.abort` there: nothing is sent. */
  abort(): void {
    if ((this.bits & CLOSED) === 0) this.bits |= ABORTED;
    this.close();
  }

  /** Ends TIME-WAIT at once without error (a new connection takes the 4-tuple): nothing is sent. */
  close(): void {
    this.bits = (this.bits | CLOSED) & ~ACK_NOW;
    this.until = Infinity;
  }

  /** When `poll` must next run: -Infinity while an ACK waits, else the end of TIME-WAIT (Infinity once CLOSED). */
  nextDeadline(): number {
    return (this.bits & ACK_NOW) !== 0 ? -Infinity : this.until;
  }

  /**
   * One segment for this 4-tuple at `now`, as `TcpConnection.input` in
   * TIME-WAIT (input.ts `inputSynchronized`): the answer, if any, goes on
   * the next `poll`.
   */
  input(seg: SegmentIn, now: number): void {
    if ((this.bits & CLOSED) !== 0) return;
    const rst = seg.has(F.RST);
    const syn = seg.has(F.SYN);
    const o = seg.options;
    // RFC 7323 §5.3 R1 (PAWS) and §3.2.
    if ((this.bits & TS_ON) !== 0 && !rst && (!o.hasTimestamps || seqLt(o.tsValue, this.tsRecent))) {
      if (o.hasTimestamps) this.bits |= ACK_NOW;
      return;
    }
    // First: the window.
    if (!inWindow(this.rcvNxt, this.rcvWnd, seg)) {
      if (syn) this.challenge(now);
      else if (!rst) this.bits |= ACK_NOW;
      if (seg.has(F.FIN)) this.until = now + this.cfg.timeWait;
      return;
    }
    // Second: RST, only at exactly RCV.NXT (RFC 5961 §3.2); it ends TIME-WAIT.
    if (rst) {
      if ((seg.seq | 0) !== this.rcvNxt) this.challenge(now);
      else this.close();
      return;
    }
    // Fourth: SYN (RFC 5961 §4.2).
    if (syn) {
      this.challenge(now);
      return;
    }
    // Fifth: ACK (ack.ts `processAck`: nothing is in flight, so nothing advances).
    if (!seg.has(F.ACK)) return;
    const ack = seg.ack | 0;
    const seq = seg.seq | 0;
    if (seqGt(ack, this.sndNxt) || seqLt(ack, seqAdd(this.sndNxt, -this.maxSndWnd))) {
      this.challenge(now);
      return;
    }
    if ((this.bits & TS_ON) !== 0 && seqGe(o.tsValue, this.tsRecent) && seqLe(seq, this.rcvNxt)) this.tsRecent = o.tsValue | 0;
    if (seqLe(this.sndNxt, ack) && (seqLt(this.sndWl1, seq) || (this.sndWl1 === seq && seqLe(this.sndWl2, ack)))) {
      this.maxSndWnd = Math.max(this.maxSndWnd, seg.window << this.sndWs);
      this.sndWl1 = seq;
      this.sndWl2 = ack;
    }
    // The peer's FIN again: our ACK of it was lost. ACK it and restart the 2MSL timer.
    if (seg.has(F.FIN)) {
      this.bits |= ACK_NOW;
      this.until = now + this.cfg.timeWait;
    }
  }

  /**
   * Ends TIME-WAIT when its deadline has come (sending nothing), else sends
   * the ACK owed, as `TcpConnection.poll` in TIME-WAIT. Returns the
   * segments sent (0 or 1).
   */
  poll(now: number, out: TcpOutput): number {
    if ((this.bits & CLOSED) !== 0) return 0;
    if (now >= this.until) {
      this.close();
      return 0;
    }
    if ((this.bits & ACK_NOW) === 0) return 0;
    const tx = borrowTx();
    const g = tx.seg;
    g.srcPort = this.localPort;
    g.dstPort = this.remotePort;
    g.urgentPointer = 0;
    let options: TcpOptions = NO_OPTIONS;
    if ((this.bits & TS_ON) !== 0) {
      tx.ts.value = (Math.floor(now) + this.tsOffset) >>> 0;
      tx.ts.echo = this.tsRecent >>> 0;
      options = tx.tsOptions;
    }
    // As receiver.ts `windowField`: advertising the window moves the right edge to RCV.NXT + window.
    this.rcvWnd = this.window << this.rcvWs;
    try {
      if (!out.emit(controlSegment(g, this.sndNxt, this.rcvNxt, F.ACK, this.window, options))) return 0;
    } finally {
      returnTx(tx);
    }
    this.bits &= ~ACK_NOW;
    return 1;
  }

  /** A snapshot for `stack.inspect()`. */
  info(): TcpTimeWaitInfo {
    return {
      state: this.state, error: this.error, timestamps: (this.bits & TS_ON) !== 0, sndWscale: this.sndWs, rcvWscale: this.rcvWs,
      rcvWnd: this.rcvWnd, sendBuffered: 0, recvBuffered: 0, bytesInFlight: 0, counters: { ...(this.counters ?? NO_COUNTERS) },
    };
  }

  /** RFC 5961 §7: an ACK, at most `challengeAckLimit` per second (input.ts `challengeAck`). */
  private challenge(now: number): void {
    if (takeChallenge(this, this.cfg.challengeAckLimit, now)) this.bits |= ACK_NOW;
  }
}

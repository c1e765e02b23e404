import { StackError } from '@stack/interfaces';
import { TCP_DEFAULTS, type ResolvedTcpConfig } from '../config.js';
import { TCP_MAX_WINDOW_SCALE, TcpFlags as F } from '../wire/fields.js';
import type { TcpOptions } from '../wire/options.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/seq.js';
import { createCongestionControl, type CongestionControl } from './congestion/index.js';
import { Reassembly } from './reassembly.js';
import { RingBuffer } from './ring.js';
import { RttEstimator } from './rtt.js';
import { SegmentOut, type MutableTimestamps, type SegmentIn, type TcpOutput } from './segment.js';
import { TcpState, type TcpError } from './state.js';

/** MSS assumed when the peer's SYN carries none (RFC 9293 §3.7.1, IPv4). */
export const TCP_DEFAULT_MSS = 536;
/** Bytes the timestamps option takes in every segment (two NOPs and 10 bytes, RFC 7323 Appendix A). */
const TS_OPTION_LEN = 12;
/** Smallest send MSS we accept from a peer (Linux's TCP_MIN_SND_MSS is 48; RFC 9293 §3.7.1 asks for a floor). */
const MIN_SEND_MSS = 64;
const NO_OPTIONS: TcpOptions = Object.freeze({});
/** Window of RFC 5961 §7's challenge ACK limit. */
const CHALLENGE_WINDOW_MS = 1000;

/** What both kinds of open take. */
export interface TcpOpenOptions {
  readonly localPort: number;
  readonly remotePort: number;
  /** Our initial sequence number (RFC 9293 §3.4.1; `tcpIsn` computes RFC 6528's). */
  readonly iss: number;
  /** A resolved config (`resolveTcpConfig`); default `TCP_DEFAULTS`. */
  readonly config?: ResolvedTcpConfig;
  /** Added to `now` for our TSval (RFC 7323 §5.4 suggests a random offset per connection); default 0. */
  readonly tsOffset?: number;
  /** The congestion controller (default: `config.congestion`, CUBIC unless set, with `config.initialCwnd`). */
  readonly congestion?: CongestionControl;
}

/** Counters of one connection, for inspection and tests. */
export interface TcpConnectionCounters {
  /** Segments sent again (after an RTO, go-back-N counts each; fast retransmits too). */
  retransmits: number;
  /** Fast retransmits: third duplicate ACKs and partial ACKs (RFC 5681 §3.2, RFC 6582). */
  fastRetransmits: number;
  /** RTO expiries. */
  timeouts: number;
  /** Challenge ACKs sent (RFC 5961) and ones the rate limit held back. */
  challengeAcks: number;
  challengeAcksLimited: number;
  /** Segments dropped by PAWS (RFC 7323 §5) or for lacking timestamps once negotiated (§3.2). */
  pawsDropped: number;
  /** Segments outside the receive window (RFC 9293 §3.10.7.4, first check). */
  outOfWindow: number;
  /** In-window data that did not start at RCV.NXT (held for reassembly when it fits; a duplicate ACK either way). */
  outOfOrder: number;
  /** Out-of-order data dropped because every reassembly range was taken. */
  outOfOrderDropped: number;
}

/** A snapshot of a connection's state, like `ss -ti` (plain JSON). */
export interface TcpConnectionInfo {
  readonly state: TcpState;
  readonly error: TcpError | null;
  readonly localPort: number;
  readonly remotePort: number;
  /** Payload bytes per segment we send (peer MSS and ours, minus options). */
  readonly mss: number;
  readonly peerMss: number;
  /** Window scale shifts (0 when scaling is off): the peer's (applied to its windows) and ours. */
  readonly sndWscale: number;
  readonly rcvWscale: number;
  readonly timestamps: boolean;
  readonly sack: boolean;
  readonly cwnd: number;
  readonly ssthresh: number;
  /** In fast recovery (RFC 6582). */
  readonly recovering: boolean;
  /** Smoothed RTT and its variation in ms (0 before the first sample), RFC 6298 §2. */
  readonly srtt: number;
  readonly rttvar: number;
  readonly rto: number;
  /** Consecutive RTO expiries without progress (the retry count). */
  readonly backoff: number;
  readonly bytesInFlight: number;
  /** Peer's window in bytes (scaled) and the window we last advertised. */
  readonly sndWnd: number;
  readonly rcvWnd: number;
  readonly sendBuffered: number;
  readonly sendBufferSize: number;
  readonly recvBuffered: number;
  readonly recvBufferSize: number;
  readonly counters: Readonly<TcpConnectionCounters>;
}

/**
 * One TCP connection as a sans-IO state machine (RFC 9293 §3.10): all its
 * state in one object, no timers, clock or I/O. The layer feeds it
 * received segments with `input(seg, now)`, lets it send with
 * `poll(now, out)`, and calls `poll` again at `nextDeadline()`.
 *
 * Implemented: the state machine from SYN-SENT / SYN-RECEIVED to CLOSED
 * (active, passive and simultaneous open; half, full and simultaneous
 * close; TIME-WAIT), option negotiation (MSS, window scale and timestamps
 * RFC 7323, SACK-permitted RFC 2018), RST generation and processing,
 * RFC 5961 (challenge ACKs for in-window RST and any SYN, rate limited; ACK
 * acceptability), PAWS, receive with cumulative ACKs, sending
 * within the peer's window, congestion window and MSS, RFC 6298 RTO with
 * Karn's rule or timestamps and a retry limit, go-back-N retransmission
 * after an RTO, fast retransmit and RFC 6582 recovery with CUBIC (default)
 * or NewReno congestion control, bounded reassembly of
 * out-of-order data with SACK blocks, delayed ACKs, zero-window probes,
 * Nagle with a no-delay switch, silly-window avoidance on both sides,
 * keepalive, a user timeout, a FIN-WAIT-2 timeout.
 * Not yet: SACK-based recovery, urgent data (see the
 * README for the exact list).
 */
export class TcpConnection {
  private st: TcpState;
  private err: TcpError | null = null;
  readonly localPort: number;
  readonly remotePort: number;
  /** True when built from a received SYN (passive open). */
  readonly passive: boolean;
  readonly counters: TcpConnectionCounters = {
    retransmits: 0, fastRetransmits: 0, timeouts: 0, challengeAcks: 0, challengeAcksLimited: 0, pawsDropped: 0, outOfWindow: 0, outOfOrder: 0, outOfOrderDropped: 0,
  };

  private readonly cfg: ResolvedTcpConfig;
  private readonly cc: CongestionControl;
  private readonly sendBuf: RingBuffer;
  private readonly recvBuf: RingBuffer;
  private readonly seg = new SegmentOut();
  private readonly ts: MutableTimestamps = { value: 0, echo: 0 };
  private readonly tsOptions: TcpOptions = { timestamps: this.ts };
  private readonly sackPool = [{ left: 0, right: 0 }, { left: 0, right: 0 }, { left: 0, right: 0 }, { left: 0, right: 0 }];
  private readonly sackBlocks: { left: number; right: number }[] = [];
  private readonly sackOptions: TcpOptions = { sack: this.sackBlocks };
  private readonly tsSackOptions: TcpOptions = { timestamps: this.ts, sack: this.sackBlocks };
  private readonly tsOffset: number;

  // Send sequence space (RFC 9293 §3.3.1). sndMax is the highest SND.NXT
  // reached: go-back-N moves sndNxt back to sndUna, sndMax stays.
  private readonly iss: number;
  private sndUna: number;
  private sndNxt: number;
  private sndMax: number;
  private sndWnd = 0;
  private maxSndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  /** Sequence number of the first byte in sendBuf (ISS+1 onwards). */
  private sndBufSeq: number;
  /** The application asked for a FIN (shutdown/close): it follows the buffered data. */
  private finQueued = false;
  /** Nagle's algorithm is off (`config.noDelay`, `setNoDelay`). */
  private nagleOff: boolean;
  /** End of the last new segment shorter than the MSS (Nagle, Minshall's form): small data is in flight while it is past SND.UNA. */
  private sndSml: number;

  // Receive sequence space.
  private irs = 0;
  private rcvNxt = 0;
  /** Right edge of the window we last advertised (RFC 7323 §2.4: never moved left). */
  private rcvAdvRight = 0;
  private lastAckSent = 0;
  private finReceived = false;
  /** A FIN arrived out of order: it takes effect when RCV.NXT reaches `finHeldAt`. */
  private finHeld = false;
  private finHeldAt = 0;
  private appClosed = false;
  private readonly reasm: Reassembly;

  // Negotiated options.
  private sndWs = 0;
  private rcvWs = 0;
  private peerOfferedWs = false;
  private tsOn = false;
  private tsRecent = 0;
  private sackOn = false;
  private peerMss = TCP_DEFAULT_MSS;
  private effMss: number;

  // RFC 6298 state and timers (absolute times; Infinity when not armed).
  private readonly rtt: RttEstimator;
  private retries = 0;
  private rttTiming = false;
  private rttSeq = 0;
  private rttTime = 0;
  private rtoDeadline = Infinity;
  /** Our TSval when the RTO last fired: older echoes give no RTT sample. */
  private tsAtTimeout = 0;
  private timeWaitDeadline = Infinity;
  /** A zero-window probe may go past the window (RFC 9293 §3.8.6.1). */
  private forceProbe = false;
  /** The persist timer fired while SWS avoidance held data: send what the window takes on this poll. */
  private swsOverride = false;
  /** Keepalive (RFC 1122 §4.2.3.6): on or off, when the timer next fires, and probes sent unanswered. */
  private kaOn: boolean;
  private kaDeadline = Infinity;
  private kaProbes = 0;
  /** User timeout (RFC 5482): when unacknowledged data has gone without progress for `userTimeout` ms. */
  private userDeadline = Infinity;
  /** When an orphaned FIN-WAIT-2 gives up (`finWait2Timeout`, Linux's tcp_fin_timeout). */
  private fw2Deadline = Infinity;

  // Loss recovery (RFC 5681 §3.2, RFC 6582). `recover` is one past the highest sequence number sent when
  // recovery began (or the last RTO fired); a full ACK reaches it.
  private dupAcks = 0;
  private inRecovery = false;
  private recover: number;
  /** Send the first unacknowledged segment again on the next poll (fast retransmit, partial ACK). */
  private retransmitHead = false;

  // Control segments waiting for the next poll.
  private ackNow = false;
  /** When a delayed ACK is due (Infinity: none pending), and the in-order bytes it would acknowledge. */
  private delAckDeadline = Infinity;
  private unackedBytes = 0;
  /** Largest segment received so far, capped at our MSS: "full-sized" for the every-second-segment rule. */
  private rcvMss = 0;
  private synAckAgain = false;
  private rstPending = false;
  private rstSeq = 0;
  private rstAck = 0;
  private rstFlags = 0;
  private challengeStart = -Infinity;
  private challengeCount = 0;

  /** RFC 9293 §3.3.2 state. */
  get state(): TcpState {
    return this.st;
  }

  /** Why the connection failed ('refused', 'reset', 'timeout', 'aborted'), or null (also after a clean close). */
  get error(): TcpError | null {
    return this.err;
  }

  private constructor(opts: TcpOpenOptions, state: TcpState, passive: boolean) {
    this.cfg = opts.config ?? TCP_DEFAULTS;
    this.localPort = opts.localPort;
    this.remotePort = opts.remotePort;
    this.passive = passive;
    this.st = state;
    this.iss = opts.iss >>> 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.sndBufSeq = seqAdd(this.iss, 1);
    this.recover = this.iss;
    this.sndSml = this.iss;
    this.tsOffset = (opts.tsOffset ?? 0) >>> 0;
    this.sendBuf = new RingBuffer(this.cfg.sendBufferSize);
    this.recvBuf = new RingBuffer(this.cfg.recvBufferSize);
    this.reasm = new Reassembly(this.cfg.reassemblyRanges);
    this.rtt = new RttEstimator(this.cfg.rtoInitial, this.cfg.rtoMin, this.cfg.rtoMax);
    this.effMss = Math.min(this.cfg.mss, TCP_DEFAULT_MSS);
    this.cc = opts.congestion ?? createCongestionControl(this.cfg.congestion, this.cfg.initialCwnd);
    this.nagleOff = this.cfg.noDelay;
    this.kaOn = this.cfg.keepalive;
    this.seg.srcPort = this.localPort;
    this.seg.dstPort = this.remotePort;
  }

  /** Active open (RFC 9293 §3.10.1): a connection in SYN-SENT whose SYN goes out on the first `poll`. */
  static connect(opts: TcpOpenOptions): TcpConnection {
    return new TcpConnection(opts, TcpState.SYN_SENT, false);
  }

  /**
   * Passive open (RFC 9293 §3.10.7.2): a connection in SYN-RECEIVED built
   * from the SYN a listener accepted (`listenerInput` said 'accept'); its
   * SYN-ACK goes out on the first `poll`. Throws ERR_INVALID_ARGUMENT when
   * `syn` is not a SYN without ACK and RST.
   */
  static accept(syn: SegmentIn, opts: TcpOpenOptions): TcpConnection {
    if ((syn.flags & (F.SYN | F.ACK | F.RST)) !== F.SYN) throw new StackError('ERR_INVALID_ARGUMENT', 'TcpConnection.accept needs a SYN without ACK or RST');
    const c = new TcpConnection(opts, TcpState.SYN_RECEIVED, true);
    c.takeSyn(syn);
    c.sndWnd = syn.window; // never scaled in a SYN (RFC 7323 §2.2)
    c.maxSndWnd = syn.window;
    return c;
  }

  // ------------------------------------------------------------ application

  /** Bytes received in order and not yet read. */
  get readable(): number {
    return this.recvBuf.length;
  }

  /** True when the peer's FIN arrived and every byte before it has been read. */
  get eof(): boolean {
    return this.finReceived && this.recvBuf.length === 0;
  }

  /** Room in the send buffer (0 once the send side is shut or the connection closed). */
  get writable(): number {
    return this.canSend() ? this.sendBuf.free : 0;
  }

  private canSend(): boolean {
    const s = this.st;
    return !this.finQueued && (s === TcpState.SYN_SENT || s === TcpState.SYN_RECEIVED || s === TcpState.ESTABLISHED || s === TcpState.CLOSE_WAIT);
  }

  /** True when Nagle's algorithm is off: small segments go at once (TCP_NODELAY). */
  get noDelay(): boolean {
    return this.nagleOff;
  }

  /**
   * Turns Nagle's algorithm (RFC 9293 §3.7.4) off (true) or on (false) for
   * this connection, like TCP_NODELAY; data it held goes on the next `poll`.
   */
  setNoDelay(on: boolean): void {
    this.nagleOff = on;
  }

  /** True when keepalive probes are on. */
  get keepalive(): boolean {
    return this.kaOn;
  }

  /**
   * Turns keepalive (RFC 1122 §4.2.3.6) on or off for this connection, like
   * SO_KEEPALIVE: after `keepaliveIdle` ms without a segment from the peer,
   * a probe every `keepaliveInterval` ms; `keepaliveCount` unanswered probes
   * fail the connection with 'timeout'. Turned on, the idle time counts
   * from `now`.
   */
  setKeepalive(on: boolean, now: number): void {
    this.kaOn = on;
    this.kaProbes = 0;
    this.kaDeadline = on ? now + this.cfg.keepaliveIdle : Infinity;
  }

  /**
   * Copies as much of `bytes` as fits into the send buffer (RFC 9293 §3.10.2)
   * and returns how much it took; it goes out on the next `poll`. Throws
   * ERR_CLOSED after shutdown/close/abort or once the connection is closing
   * or closed.
   */
  send(bytes: Uint8Array): number {
    if (!this.canSend()) throw new StackError('ERR_CLOSED', `send in ${this.st}${this.finQueued ? ' after shutdown' : ''}`);
    return this.sendBuf.write(bytes);
  }

  /**
   * Copies up to `into.length` received bytes into `into` and returns how
   * many (RFC 9293 §3.10.3). When the window now exceeds the one last
   * advertised by min(buffer/2, MSS) (RFC 9293 §3.8.6.2.2), a window update
   * goes out on the next `poll`.
   */
  recv(into: Uint8Array): number {
    const n = this.recvBuf.read(into);
    if (n > 0 && this.receiving()) {
      // Compared with what the peer was last told, so small reads add up to an update.
      const gain = this.windowToAdvertise() - Math.max(seqDiff(this.rcvAdvRight, this.rcvNxt), 0);
      if (gain >= this.windowStep()) this.ackNow = true;
    }
    return n;
  }

  /**
   * Half close (RFC 9293 §3.10.4 for the send side): a FIN follows the
   * buffered data; reading goes on. ESTABLISHED → FIN-WAIT-1, CLOSE-WAIT →
   * LAST-ACK; before the handshake completes the FIN waits for it. Later
   * calls do nothing.
   */
  shutdown(): void {
    if (this.finQueued) return;
    switch (this.st) {
      case TcpState.SYN_SENT:
      case TcpState.SYN_RECEIVED:
        this.finQueued = true;
        break;
      case TcpState.ESTABLISHED:
        this.finQueued = true;
        this.st = TcpState.FIN_WAIT_1;
        break;
      case TcpState.CLOSE_WAIT:
        this.finQueued = true;
        this.st = TcpState.LAST_ACK;
        break;
      default:
        break;
    }
  }

  /**
   * Close (RFC 9293 §3.10.4): like `shutdown`, and the application will not
   * read any more, so unread data now, or data arriving later, resets the
   * connection (RFC 1122 §4.2.2.13, as Linux does). In SYN-SENT the
   * connection simply ends.
   */
  close(): void {
    this.appClosed = true;
    if (this.st === TcpState.SYN_SENT) {
      this.toClosed();
      return;
    }
    if (this.recvBuf.length > 0) {
      this.abort();
      return;
    }
    this.shutdown();
  }

  /**
   * Abort (RFC 9293 §3.10.5): an RST goes out on the next `poll` in
   * SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2 and CLOSE-WAIT; the connection is
   * CLOSED at once with error 'aborted' and its buffers dropped.
   */
  abort(): void {
    switch (this.st) {
      case TcpState.CLOSED:
        return;
      case TcpState.SYN_RECEIVED:
      case TcpState.ESTABLISHED:
      case TcpState.FIN_WAIT_1:
      case TcpState.FIN_WAIT_2:
      case TcpState.CLOSE_WAIT:
        this.queueRst(this.sndMax, 0, F.RST);
        break;
      default:
        break;
    }
    this.fail('aborted');
  }

  // ------------------------------------------------------------ timers

  /**
   * When `poll` must next run (absolute ms, as `now`), or Infinity: the RTO
   * / persist / SWS override timer, the delayed ACK, keepalive, the user timeout, FIN-WAIT-2 and TIME-WAIT; -Infinity when a control segment (SYN,
   * SYN-ACK, ACK, RST) waits to go out. Unsent data does not count: poll
   * after `send`.
   */
  nextDeadline(): number {
    // Exactly the conditions under which `poll` sends something now, so a caller that polls at
    // -Infinity never spins.
    if (this.rstPending) return -Infinity;
    if (this.st === TcpState.SYN_SENT || this.st === TcpState.SYN_RECEIVED) {
      if (this.sndNxt === this.iss || this.synAckAgain) return -Infinity;
    }
    if (this.ackNow && this.st !== TcpState.SYN_SENT && this.st !== TcpState.CLOSED) return -Infinity;
    return Math.min(this.rtoDeadline, this.timeWaitDeadline, this.delAckDeadline, this.userDeadline, this.fw2Deadline, this.keepaliveArmed() ? this.kaDeadline : Infinity);
  }

  // ------------------------------------------------------------ input

  /**
   * Processes one received segment of this connection at time `now`
   * (RFC 9293 §3.10.7). Never throws; replies (ACKs, RSTs) go out on the
   * next `poll`. The payload is copied into the receive buffer, so `seg`
   * may be reused as soon as this returns.
   */
  input(seg: SegmentIn, now: number): void {
    if (this.st === TcpState.CLOSED) return;
    if (this.st === TcpState.SYN_SENT) this.inputSynSent(seg, now);
    else this.inputSynchronized(seg, now);
  }

  /** RFC 9293 §3.10.7.3. */
  private inputSynSent(seg: SegmentIn, now: number): void {
    const hasAck = seg.has(F.ACK);
    if (hasAck && (seqLe(seg.ack, this.iss) || seqGt(seg.ack, this.sndMax))) {
      if (!seg.has(F.RST)) this.queueRst(seg.ack, 0, F.RST);
      return;
    }
    if (seg.has(F.RST)) {
      // RFC 5961 §3.2 holds here through the ACK check above: the RST must acknowledge our SYN.
      if (hasAck) this.fail('refused');
      return;
    }
    if (!seg.has(F.SYN)) return;
    this.takeSyn(seg);
    this.sndWnd = seg.window; // unscaled in a SYN
    this.maxSndWnd = seg.window;
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    if (hasAck) {
      this.ackAdvance(seg, now);
      this.established(now);
      this.ackNow = true;
    } else {
      // Simultaneous open: our SYN goes again, now with an ACK (a retransmission, so no RTT sample).
      this.st = TcpState.SYN_RECEIVED;
      this.sndNxt = this.iss;
      this.rttTiming = false;
    }
  }

  /** Reads the peer's SYN: its sequence number and what both offered (RFC 7323 §2.2/§3.2, RFC 2018 §2, RFC 9293 §3.7.1). */
  private takeSyn(seg: SegmentIn): void {
    const o = seg.options;
    this.irs = seg.seq;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.lastAckSent = this.rcvNxt;
    this.peerOfferedWs = o.windowScale >= 0;
    if (this.cfg.windowScaling && this.peerOfferedWs) {
      this.sndWs = Math.min(o.windowScale, TCP_MAX_WINDOW_SCALE);
      this.rcvWs = this.ourWindowScale();
    } else {
      this.sndWs = 0;
      this.rcvWs = 0;
    }
    this.tsOn = this.cfg.timestamps && o.hasTimestamps;
    if (this.tsOn) this.tsRecent = o.tsValue;
    this.sackOn = this.cfg.sack && o.sackPermitted;
    this.peerMss = o.mss >= 0 ? o.mss : TCP_DEFAULT_MSS;
    this.effMss = Math.max(Math.min(this.peerMss, this.cfg.mss), MIN_SEND_MSS) - (this.tsOn ? TS_OPTION_LEN : 0);
    // The window in our SYN(-ACK) is unscaled: what the peer may send before it learns our shift.
    this.rcvAdvRight = seqAdd(this.rcvNxt, Math.min(this.recvBuf.free, 0xffff));
  }

  /** The shift we offer: the smallest that lets the window field cover the receive buffer (RFC 7323 §2.3). */
  private ourWindowScale(): number {
    let shift = 0;
    while (shift < TCP_MAX_WINDOW_SCALE && this.recvBuf.capacity > 0xffff * 2 ** shift) shift++;
    return shift;
  }

  private established(now: number): void {
    this.synAckAgain = false; // the handshake is over: a SYN-ACK owed to a repeated SYN is moot
    this.heard(now);
    this.cc.onEstablished(this.effMss);
    this.st = this.finQueued ? TcpState.FIN_WAIT_1 : TcpState.ESTABLISHED;
  }

  /** RFC 9293 §3.10.7.4 ("Otherwise"), with RFC 5961 and RFC 7323 §5. */
  private inputSynchronized(seg: SegmentIn, now: number): void {
    const rst = seg.has(F.RST);
    const syn = seg.has(F.SYN);
    const o = seg.options;

    // The peer did not hear our SYN-ACK and sent its SYN again: answer with the SYN-ACK (as Linux does).
    if (this.st === TcpState.SYN_RECEIVED && syn && !rst && !seg.has(F.ACK) && seg.seq === this.irs) {
      this.synAckAgain = true;
      return;
    }

    // Simultaneous open (RFC 9293 Figure 8): the peer's SYN-ACK repeats its SYN and acknowledges ours.
    // Its SYN lies just before RCV.NXT, so take it as the ACK it is (as Linux does).
    if (this.st === TcpState.SYN_RECEIVED && !this.passive && syn && !rst && seg.has(F.ACK) && seg.seq === this.irs && seg.ack === this.sndMax) {
      if (this.tsOn && o.hasTimestamps) this.tsRecent = o.tsValue;
      this.sndWnd = seg.window;
      this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
      this.ackAdvance(seg, now);
      this.established(now);
      return;
    }

    // RFC 7323 §5.3 R1 (PAWS) and §3.2: once negotiated, a non-RST segment needs timestamps not older than TS.Recent.
    if (this.tsOn && !rst) {
      if (!o.hasTimestamps || seqLt(o.tsValue, this.tsRecent)) {
        this.counters.pawsDropped++;
        if (o.hasTimestamps) this.ackNow = true;
        return;
      }
    }

    // The peer is alive (keepalive): also when its segment falls outside a closed window, as its ACKs to our
    // zero-window probes and keepalive probes may (their SEG.SEQ lies past a window of 0).
    if (!rst) this.heard(now);

    // First: is the segment in the window?
    if (!this.acceptable(seg)) {
      this.counters.outOfWindow++;
      if (syn) this.challengeAck(now); // RFC 5961 §4.2: any SYN, whatever its sequence number
      else if (!rst) this.ackNow = true;
      if (this.st === TcpState.TIME_WAIT && seg.has(F.FIN)) this.timeWaitDeadline = now + this.cfg.timeWait;
      return;
    }

    // Second: RST (RFC 5961 §3.2: only at exactly RCV.NXT; elsewhere in the window, a challenge ACK).
    if (rst) {
      if (seg.seq !== this.rcvNxt) this.challengeAck(now);
      else this.onReset();
      return;
    }

    // Fourth: SYN in a synchronized state (RFC 5961 §4.2; RFC 9293 §3.10.7.4 for passive SYN-RECEIVED).
    if (syn) {
      if (this.st === TcpState.SYN_RECEIVED && this.passive) this.fail('reset');
      else this.challengeAck(now);
      return;
    }

    // Fifth: ACK.
    if (!seg.has(F.ACK)) return;
    if (this.st === TcpState.SYN_RECEIVED) {
      if (!(seqGt(seg.ack, this.sndUna) && seqLe(seg.ack, this.sndMax))) {
        this.queueRst(seg.ack, 0, F.RST);
        return;
      }
      this.sndWnd = seg.window * 2 ** this.sndWs;
      this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
      this.established(now);
    }
    // RFC 5961 §5.2: SND.UNA − MAX.SND.WND ≤ SEG.ACK ≤ SND.NXT, else a challenge ACK (blind data injection).
    if (seqGt(seg.ack, this.sndMax) || seqLt(seg.ack, seqAdd(this.sndUna, -this.maxSndWnd))) {
      this.challengeAck(now);
      return;
    }
    // RFC 7323 §4.3: remember the TSval of segments that cover Last.ACK.sent.
    if (this.tsOn && seqGe(o.tsValue, this.tsRecent) && seqLe(seg.seq, this.lastAckSent)) this.tsRecent = o.tsValue;

    // RFC 5681 §2: a duplicate ACK carries no data, no SYN/FIN, SEG.ACK = SND.UNA with data outstanding, and the same window.
    const duplicate =
      seg.payload.length === 0 && (seg.flags & (F.SYN | F.FIN)) === 0 && seg.ack === this.sndUna &&
      this.sndMax !== this.sndUna && seg.window * 2 ** this.sndWs === this.sndWnd;
    if (seqGt(seg.ack, this.sndUna)) this.ackAdvance(seg, now);
    else if (duplicate) this.onDuplicateAck();
    if (
      seqLe(this.sndUna, seg.ack) &&
      (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLe(this.sndWl2, seg.ack)))
    ) {
      this.sndWnd = seg.window * 2 ** this.sndWs;
      this.maxSndWnd = Math.max(this.maxSndWnd, this.sndWnd);
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
    }
    // The peer answered while its window is closed: it is alive, so probes are not failures.
    if (this.sndWnd === 0 && seg.ack === this.sndUna) this.retries = 0;

    const finAcked = this.finQueued && seqGt(this.sndUna, this.finSeq());
    switch (this.st) {
      case TcpState.FIN_WAIT_1:
        if (finAcked) {
          this.st = TcpState.FIN_WAIT_2;
          this.armFinWait2(now);
        }
        break;
      case TcpState.CLOSING:
        if (finAcked) this.enterTimeWait(now);
        return;
      case TcpState.LAST_ACK:
        if (finAcked) this.toClosed();
        return;
      case TcpState.TIME_WAIT:
        if (seg.has(F.FIN)) {
          this.ackNow = true;
          this.timeWaitDeadline = now + this.cfg.timeWait;
        }
        return;
      default:
        break;
    }

    // Sixth (URG) is not supported: the urgent pointer is ignored. Seventh: data.
    let fin = seg.has(F.FIN);
    const payload = seg.payload;
    if (payload.length === 0 && !fin) return;
    if (!this.receiving()) {
      if (fin) this.ackNow = true; // CLOSE-WAIT, CLOSING, LAST-ACK: the FIN came already
      return;
    }
    const skip = seqDiff(this.rcvNxt, seg.seq);
    if (this.appClosed && payload.length > skip) {
      // New data for an application that closed: RFC 1122 §4.2.2.13, reset (as Linux does).
      this.queueRst(this.sndMax, 0, F.RST);
      this.fail('reset');
      return;
    }
    const room = Math.min(Math.max(seqDiff(this.rcvAdvRight, this.rcvNxt), 0), this.recvBuf.free);
    if (skip < 0) {
      this.holdOutOfOrder(seg.seq, -skip, payload, fin, room);
      return;
    }
    if (skip > payload.length) fin = false; // the FIN, too, is a duplicate (seq + len − 1 ≥ RCV.NXT made it acceptable)
    const start = Math.min(skip, payload.length);
    let n = payload.length - start;
    if (n > room) {
      n = room;
      fin = false;
    }
    if (n > 0) {
      this.recvBuf.write(payload.subarray(start, start + n));
      this.rcvNxt = seqAdd(this.rcvNxt, n);
      let filledHole = false;
      if (this.reasm.count > 0) {
        // The hole before held data may be filled: take in what is now contiguous.
        const next = this.reasm.advance(this.rcvNxt);
        this.recvBuf.commit(seqDiff(next, this.rcvNxt));
        filledHole = next !== this.rcvNxt || this.reasm.count > 0;
        this.rcvNxt = next;
      }
      this.ackData(n, filledHole, now);
    } else if (payload.length > 0) this.ackNow = true; // a duplicate, or no room: tell the peer where we are
    if (!fin && this.finHeld && this.rcvNxt === this.finHeldAt) fin = true;

    // Eighth: FIN.
    if (fin) {
      this.rcvNxt = seqAdd(this.rcvNxt, 1);
      this.finReceived = true;
      this.ackNow = true;
      if (this.st === TcpState.ESTABLISHED) this.st = TcpState.CLOSE_WAIT;
      else if (this.st === TcpState.FIN_WAIT_1) this.st = TcpState.CLOSING; // our FIN not yet acked, else we would be in FIN-WAIT-2
      else if (this.st === TcpState.FIN_WAIT_2) this.enterTimeWait(now);
    }
  }

  /**
   * In-window data that starts `offset` bytes past RCV.NXT: written into the
   * receive ring at its place and recorded in `reasm`, when it fits the
   * window and a range is free (else dropped). A FIN right after it is
   * remembered. Either way a duplicate ACK goes out at once (RFC 5681 §4.2),
   * with SACK blocks when negotiated.
   */
  private holdOutOfOrder(seq: number, offset: number, payload: Uint8Array, fin: boolean, room: number): void {
    this.counters.outOfOrder++;
    this.ackNow = true;
    const m = Math.min(payload.length, room - offset);
    if (m <= 0) {
      if (payload.length === 0 && fin && offset <= room) {
        this.finHeld = true;
        this.finHeldAt = seq;
      }
      return;
    }
    if (!this.reasm.add(seq, seqAdd(seq, m))) {
      this.counters.outOfOrderDropped++;
      return;
    }
    this.recvBuf.writeAt(offset, m === payload.length ? payload : payload.subarray(0, m));
    if (fin && m === payload.length) {
      this.finHeld = true;
      this.finHeldAt = seqAdd(seq, m);
    }
  }

  /**
   * Acknowledges `n` new in-order bytes: at once for every second
   * full-sized segment and while holes are being filled (RFC 5681 §4.2), or
   * after at most `delayedAck` ms (RFC 9293 §3.8.6.3).
   */
  private ackData(n: number, filledHole: boolean, now: number): void {
    if (n > this.rcvMss) this.rcvMss = Math.min(n, this.cfg.mss);
    this.unackedBytes += n;
    if (this.cfg.delayedAck === 0 || filledHole || this.unackedBytes >= 2 * this.rcvMss) this.ackNow = true;
    else if (this.delAckDeadline === Infinity) this.delAckDeadline = now + this.cfg.delayedAck;
  }

  /** States in which received data is delivered (RFC 9293 §3.10.7.4, seventh). */
  private receiving(): boolean {
    const s = this.st;
    return s === TcpState.ESTABLISHED || s === TcpState.FIN_WAIT_1 || s === TcpState.FIN_WAIT_2;
  }

  /** RFC 9293 §3.10.7.4, first check: the four cases of segment length and receive window. */
  private acceptable(seg: SegmentIn): boolean {
    const wnd = Math.max(seqDiff(this.rcvAdvRight, this.rcvNxt), 0);
    const len = seg.len;
    const startIn = seqDiff(seg.seq, this.rcvNxt) >= 0 && seqDiff(seg.seq, this.rcvNxt) < wnd;
    if (len === 0) return wnd === 0 ? seg.seq === this.rcvNxt : startIn;
    if (wnd === 0) return false;
    const last = seqAdd(seg.seq, len - 1);
    return startIn || (seqDiff(last, this.rcvNxt) >= 0 && seqDiff(last, this.rcvNxt) < wnd);
  }

  /** An acceptable RST at RCV.NXT (RFC 9293 §3.10.7.4, second check). */
  private onReset(): void {
    switch (this.st) {
      case TcpState.SYN_RECEIVED:
        // Passive: back to LISTEN, i.e. this embryonic connection goes away. Active (simultaneous open): refused.
        this.fail(this.passive ? 'reset' : 'refused');
        break;
      case TcpState.CLOSING:
      case TcpState.LAST_ACK:
      case TcpState.TIME_WAIT:
        this.toClosed();
        break;
      default:
        this.fail('reset');
    }
  }

  /** RFC 5961 §7: send an ACK, at most `challengeAckLimit` per second. */
  private challengeAck(now: number): void {
    if (now - this.challengeStart >= CHALLENGE_WINDOW_MS) {
      this.challengeStart = now;
      this.challengeCount = 0;
    }
    if (this.challengeCount < this.cfg.challengeAckLimit) {
      this.challengeCount++;
      this.counters.challengeAcks++;
      this.ackNow = true;
    } else this.counters.challengeAcksLimited++;
  }

  /** SND.UNA < SEG.ACK ≤ SND.MAX: drop what is acknowledged, sample the RTT, restart or stop the timer. */
  private ackAdvance(seg: SegmentIn, now: number): void {
    const ack = seg.ack;
    const dataAcked = Math.min(Math.max(seqDiff(ack, this.sndBufSeq), 0), this.sendBuf.length);
    if (dataAcked > 0) {
      this.sendBuf.consume(dataAcked);
      this.sndBufSeq = seqAdd(this.sndBufSeq, dataAcked);
    }
    this.sndUna = ack;
    if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
    // RTT: from the echoed timestamp (RFC 7323 §4), else from the one timed segment (Karn: never a
    // retransmitted one). An echo from before the last RTO is not used either: it names a transmission
    // whose ACK may have been lost, and only a retransmission drew this one (Karn's rule for timestamps).
    let sample = -1;
    const o = seg.options;
    if (this.tsOn && o.hasTimestamps && o.tsEcho !== 0) {
      if (this.counters.timeouts === 0 || !seqLt(o.tsEcho, this.tsAtTimeout)) sample = seqDiff(this.tsNow(now), o.tsEcho);
    } else if (this.rttTiming && seqGe(ack, this.rttSeq)) sample = now - this.rttTime;
    if (this.rttTiming && seqGe(ack, this.rttSeq)) this.rttTiming = false;
    if (sample >= 0) this.rtt.sample(sample);
    this.retries = 0;
    // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it (on every partial ACK
    // too: RFC 6582 §4's "Slow-but-Steady" variant).
    this.rtoDeadline = this.sndUna === this.sndMax ? Infinity : now + this.rtt.rto;
    // The user timeout (RFC 5482) counts from the last progress.
    this.userDeadline = this.sndUna === this.sndMax || this.cfg.userTimeout === 0 ? Infinity : now + this.cfg.userTimeout;
    this.dupAcks = 0;
    if (this.inRecovery) {
      if (seqGe(ack, this.recover)) {
        this.inRecovery = false;
        this.cc.onRecoveryEnd(seqDiff(this.sndMax, this.sndUna), this.effMss);
      } else {
        // Partial ACK (RFC 6582 §3.2 step 5): the next hole is lost too; send it now.
        this.cc.onPartialAck(dataAcked, this.effMss);
        this.retransmitHead = true;
        this.counters.fastRetransmits++;
      }
    } else if (dataAcked > 0) this.cc.onAck(dataAcked, this.effMss, now, this.rtt.srtt);
  }

  /** RFC 5681 §3.2 and RFC 6582 §3.2: count duplicates; the third starts fast retransmit unless an RTO's losses are still being repaired. */
  private onDuplicateAck(): void {
    this.dupAcks++;
    if (this.inRecovery) {
      this.cc.onRecoveryDupAck(this.effMss);
      return;
    }
    if (this.dupAcks !== 3 || !seqGe(this.sndUna, this.recover)) return;
    this.recover = this.sndMax;
    this.inRecovery = true;
    this.cc.onFastRetransmit(seqDiff(this.sndMax, this.sndUna), this.effMss);
    this.retransmitHead = true;
    this.counters.fastRetransmits++;
  }

  // ------------------------------------------------------------ output

  /**
   * Runs the timers due at `now` and sends what is ready through `out`:
   * a pending RST, the SYN or SYN-ACK, data and FIN within the windows,
   * then an ACK if one is owed. Returns the number of segments sent. Call
   * after `input`, after application calls, and at `nextDeadline()`.
   */
  poll(now: number, out: TcpOutput): number {
    if (now >= this.timeWaitDeadline) this.toClosed();
    if (now >= this.userDeadline || now >= this.fw2Deadline) this.fail('timeout');
    this.armFinWait2(now);
    if (now >= this.rtoDeadline) this.onRetransmitTimeout(now);
    if (now >= this.delAckDeadline) this.ackNow = true;
    const probe = this.keepaliveArmed() && now >= this.kaDeadline && this.onKeepaliveTimer(now);
    let sent = 0;
    if (this.rstPending) {
      if (!this.emitControl(out, this.rstSeq, this.rstAck, this.rstFlags, 0, NO_OPTIONS)) return sent;
      this.rstPending = false;
      sent++;
    }
    switch (this.st) {
      case TcpState.CLOSED:
        return sent;
      case TcpState.SYN_SENT:
      case TcpState.SYN_RECEIVED:
        if (this.sndNxt === this.iss || this.synAckAgain) sent += this.sendSyn(now, out);
        break;
      default:
        if (this.retransmitHead) sent += this.retransmitFirst(now, out);
        sent += this.sendData(now, out);
    }
    this.swsOverride = false;
    // A keepalive probe (RFC 1122 §4.2.3.6): SEG.SEQ = SND.NXT − 1 and no data, which the peer must answer
    // with an ACK. A probe the device refuses counts as sent (a lost probe).
    if (probe && this.emitControl(out, seqAdd(this.sndMax, -1), this.rcvNxt, F.ACK, this.windowField(), this.optionsFor(now))) {
      this.ackSent();
      sent++;
    }
    // A pure ACK carries SND.MAX, the RFC's SND.NXT: after go-back-N our sndNxt may lie before the peer's
    // RCV.NXT, and a zero-length segment there would be unacceptable to it, ACK field and all.
    if (this.ackNow && this.st !== TcpState.SYN_SENT) {
      if (this.emitControl(out, this.sndMax, this.rcvNxt, F.ACK, this.windowField(), this.optionsFor(now))) {
        this.ackSent();
        sent++;
      }
    }
    return sent;
  }

  private sendSyn(now: number, out: TcpOutput): number {
    const s = this.seg;
    const synAck = this.st === TcpState.SYN_RECEIVED;
    s.seq = this.iss;
    s.ack = synAck ? this.rcvNxt : 0;
    s.flags = synAck ? F.SYN | F.ACK : F.SYN;
    s.window = Math.min(this.recvBuf.free, 0xffff);
    this.ts.value = this.tsNow(now);
    this.ts.echo = synAck ? this.tsRecent : 0;
    // Active SYN: offer what the config says. SYN-ACK: answer only what the peer offered (RFC 7323 §1.3, RFC 2018 §2).
    const offerWs = this.cfg.windowScaling && (!synAck || this.peerOfferedWs);
    const offerTs = synAck ? this.tsOn : this.cfg.timestamps;
    const offerSack = synAck ? this.sackOn : this.cfg.sack;
    s.options = {
      mss: this.cfg.mss,
      ...(offerSack ? { sackPermitted: true } : {}),
      ...(offerTs ? { timestamps: this.ts } : {}),
      ...(offerWs ? { windowScale: this.ourWindowScale() } : {}),
    };
    s.payloadLength = 0;
    s.source = null;
    if (!out.emit(s)) return 0;
    if (!this.synAckAgain || this.sndNxt === this.iss) {
      const first = this.sndMax === this.iss && this.retries === 0;
      this.sndNxt = seqAdd(this.iss, 1);
      if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
      if (first && !this.tsOn && !this.rttTiming) {
        this.rttTiming = true;
        this.rttSeq = this.sndNxt;
        this.rttTime = now;
      }
      if (this.rtoDeadline === Infinity) this.rtoDeadline = now + this.rtt.rto;
    }
    this.synAckAgain = false;
    if (synAck) this.ackSent();
    return 1;
  }

  /** Data and FIN within the peer's window, the congestion window and the MSS (RFC 9293 §3.8.6, RFC 5681). */
  private sendData(now: number, out: TcpOutput): number {
    const s = this.st;
    if (!(s === TcpState.ESTABLISHED || s === TcpState.CLOSE_WAIT || s === TcpState.FIN_WAIT_1 || s === TcpState.CLOSING || s === TcpState.LAST_ACK)) return 0;
    let sent = 0;
    let held = false;
    for (;;) {
      const offset = seqDiff(this.sndNxt, this.sndBufSeq);
      const unsent = this.sendBuf.length - offset;
      const flight = seqDiff(this.sndNxt, this.sndUna);
      let room = Math.min(seqDiff(seqAdd(this.sndUna, this.sndWnd), this.sndNxt), this.cc.cwnd - flight);
      if (this.forceProbe && room < 1) room = 1;
      const n = Math.max(0, Math.min(unsent, this.effMss, room));
      const fin = this.finQueued && n === unsent && unsent >= 0 && !seqGt(this.sndNxt, this.finSeq());
      if (n === 0 && !fin) break;
      if (n < this.effMss && !fin && this.holdSmall(n, unsent)) {
        held = true;
        break;
      }
      const g = this.seg;
      g.seq = this.sndNxt;
      g.ack = this.rcvNxt;
      g.flags = F.ACK | (n > 0 && n === unsent ? F.PSH : 0) | (fin ? F.FIN : 0);
      g.window = this.windowField();
      g.options = this.optionsFor(now);
      g.payloadLength = n;
      g.source = this.sendBuf;
      g.sourceOffset = offset;
      const ok = out.emit(g);
      g.source = null;
      if (!ok) break;
      const isNew = seqGe(this.sndNxt, this.sndMax);
      if (!isNew) this.counters.retransmits++;
      this.sndNxt = seqAdd(this.sndNxt, n + (fin ? 1 : 0));
      if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
      if (isNew && n < this.effMss) this.sndSml = this.sndNxt;
      if (isNew && !this.tsOn && !this.rttTiming) {
        this.rttTiming = true;
        this.rttSeq = this.sndNxt;
        this.rttTime = now;
      }
      if (this.rtoDeadline === Infinity) this.rtoDeadline = now + this.rtt.rto;
      if (this.userDeadline === Infinity && this.cfg.userTimeout > 0) this.userDeadline = now + this.cfg.userTimeout;
      this.forceProbe = false;
      this.ackSent();
      sent++;
      if (fin) break;
    }
    // Persist (RFC 9293 §3.8.6.1): data waits behind a zero window, or a window too small to use (the SWS
    // override timer, RFC 1122 §4.2.3.4), with nothing in flight to bring an update.
    if (this.rtoDeadline === Infinity && (this.sndWnd === 0 || held) && this.sndUna === this.sndMax && (this.sendBuf.length > 0 || this.finQueued) && !seqGt(this.sndUna, this.finSeq())) {
      this.rtoDeadline = now + this.rtt.rto;
    }
    return sent;
  }

  /**
   * Whether a new segment of `n` < MSS bytes (no FIN) waits, `unsent` being
   * what is queued: sender-side silly-window avoidance and Nagle. Nagle (RFC 896, RFC 9293 §3.7.4) in Minshall's form, as
   * Linux has it: when all that is queued fits but is less than an MSS, it
   * waits while an earlier less-than-MSS segment is unacknowledged, unless
   * `noDelay` (so the tail of a large write is not held behind its full
   * segments). Retransmissions and zero-window probes never wait.
   */
  private holdSmall(n: number, unsent: number): boolean {
    if (this.forceProbe || this.swsOverride || seqLt(this.sndNxt, this.sndMax)) return false;
    if (n === unsent) return !this.nagleOff && seqGt(this.sndSml, this.sndUna);
    // Sender-side SWS avoidance (RFC 9293 §3.8.6.2.1, RFC 1122 §4.2.3.4): the usable window holds less than
    // all that is queued and less than an MSS; send only when it is at least half the largest window the
    // peer ever offered. Else wait for ACKs to open it, or for the override timer (the persist timer, armed
    // in sendData when nothing is in flight).
    return n < this.maxSndWnd / 2;
  }

  /** Sends the first unacknowledged segment again, outside the windows (RFC 5681 §3.2 step 2, RFC 6582 step 5). */
  private retransmitFirst(now: number, out: TcpOutput): number {
    const offset = seqDiff(this.sndUna, this.sndBufSeq);
    const dataLeft = this.sendBuf.length - offset;
    const n = Math.max(0, Math.min(this.effMss, dataLeft, seqDiff(this.sndMax, this.sndUna)));
    const fin = this.finQueued && n === dataLeft && seqGt(this.sndMax, this.finSeq());
    if (n === 0 && !fin) {
      this.retransmitHead = false;
      return 0;
    }
    const g = this.seg;
    g.seq = this.sndUna;
    g.ack = this.rcvNxt;
    g.flags = F.ACK | (fin ? F.FIN : 0) | (n > 0 && n === dataLeft ? F.PSH : 0);
    g.window = this.windowField();
    g.options = this.optionsFor(now);
    g.payloadLength = n;
    g.source = this.sendBuf;
    g.sourceOffset = offset;
    const ok = out.emit(g);
    g.source = null;
    if (!ok) return 0;
    this.retransmitHead = false;
    this.counters.retransmits++;
    const end = seqAdd(this.sndUna, n + (fin ? 1 : 0));
    if (seqLt(this.sndNxt, end)) this.sndNxt = end;
    if (this.rttTiming && seqGt(this.rttSeq, this.sndUna)) this.rttTiming = false; // Karn
    this.ackSent();
    return 1;
  }

  /**
   * FIN-WAIT-2 after `close()` (not after `shutdown()` alone): the peer's FIN
   * may never come, so the connection ends with 'timeout' after
   * `finWait2Timeout` ms (Linux's tcp_fin_timeout; RFC 9293 sets no limit).
   * Counted from reaching FIN-WAIT-2, or from the first poll after a
   * `close()` that came later.
   */
  private armFinWait2(now: number): void {
    if (this.fw2Deadline === Infinity && this.appClosed && this.st === TcpState.FIN_WAIT_2) this.fw2Deadline = now + this.cfg.finWait2Timeout;
  }

  /** The keepalive timer runs: on, and in a state where the connection idles with the peer (ESTABLISHED, CLOSE-WAIT, FIN-WAIT-2). */
  private keepaliveArmed(): boolean {
    const s = this.st;
    return this.kaOn && (s === TcpState.ESTABLISHED || s === TcpState.CLOSE_WAIT || s === TcpState.FIN_WAIT_2);
  }

  /**
   * The keepalive timer fired (RFC 1122 §4.2.3.6, timed as Linux does): after
   * `keepaliveCount` unanswered probes the connection fails with 'timeout';
   * while data is outstanding or queued the retransmission timer watches the
   * peer, so no probe, and the timer looks again an interval later. Returns
   * whether a probe goes out.
   */
  private onKeepaliveTimer(now: number): boolean {
    if (this.kaProbes >= this.cfg.keepaliveCount) {
      this.fail('timeout');
      return false;
    }
    this.kaDeadline = now + this.cfg.keepaliveInterval;
    if (this.sndMax !== this.sndUna || this.sendBuf.length > seqDiff(this.sndMax, this.sndBufSeq)) return false;
    this.kaProbes++;
    return true;
  }

  /** A segment from the peer passed PAWS: the connection is not idle, probes are answered. */
  private heard(now: number): void {
    this.kaProbes = 0;
    if (this.kaOn) this.kaDeadline = now + this.cfg.keepaliveIdle;
  }

  /** Sequence number of our FIN (meaningful once `finQueued`): right after the last buffered byte. */
  private finSeq(): number {
    return seqAdd(this.sndBufSeq, this.sendBuf.length);
  }

  /** RFC 6298 §5.4–5.6: back off, go back to SND.UNA, give up after the retry limit. */
  private onRetransmitTimeout(now: number): void {
    this.counters.timeouts++;
    const handshake = this.st === TcpState.SYN_SENT || this.st === TcpState.SYN_RECEIVED;
    const limit = handshake ? this.cfg.synRetries : this.cfg.retries;
    if (this.retries >= limit) {
      this.fail('timeout');
      return;
    }
    this.retries++;
    this.rtt.backoff();
    const flight = seqDiff(this.sndMax, this.sndUna);
    if (handshake) {
      this.sndNxt = this.iss;
      if (this.st === TcpState.SYN_RECEIVED || this.sndMax !== this.iss) this.counters.retransmits++;
    } else {
      if (flight > 0) this.cc.onRetransmitTimeout(flight, this.effMss);
      // RFC 6582 §3.2 step 1: duplicate ACKs for what was sent before the timeout start no fast retransmit.
      this.recover = this.sndMax;
      this.inRecovery = false;
      this.dupAcks = 0;
      this.retransmitHead = false;
      this.sndNxt = this.sndUna;
      if (this.sndWnd === 0) this.forceProbe = true;
      else if (flight === 0) this.swsOverride = true;
    }
    this.rttTiming = false;
    this.tsAtTimeout = this.tsNow(now);
    this.rtoDeadline = now + this.rtt.rto;
  }

  /**
   * The window field we send (RFC 7323 §2.3): the free receive space,
   * scaled down. Rounding down may pull the right edge back by less than one
   * unit (RFC 7323 §2.4 allows it); `rcvAdvRight` keeps the furthest edge
   * advertised, so what the peer sent in good faith stays acceptable, and
   * it always fits the buffer: the edge was at most RCV.NXT + free when
   * advertised, and both move together as data arrives.
   */
  private windowField(): number {
    const unit = 2 ** this.rcvWs;
    const w = Math.min(Math.floor(this.recvBuf.free / unit), 0xffff);
    // Receiver-side SWS avoidance (RFC 9293 §3.8.6.2.2, RFC 1122 §4.2.3.3): the right edge moves only
    // by min(buffer/2, MSS) or more, or to offer the whole buffer once the application has read all; until
    // then the edge last advertised stays.
    const old = Math.max(seqDiff(this.rcvAdvRight, this.rcvNxt), 0);
    if (w * unit - old < this.windowStep() && this.recvBuf.length > 0) return Math.min(Math.floor(old / unit), 0xffff);
    this.rcvAdvRight = seqAdd(this.rcvNxt, w * unit);
    return w;
  }

  /** The least the right edge of our window moves by (RFC 9293 §3.8.6.2.2): min(buffer/2, MSS). */
  private windowStep(): number {
    return Math.min(this.recvBuf.capacity >>> 1, this.effMss);
  }

  /** What `windowField` would advertise now, in bytes (for window-update decisions). */
  private windowToAdvertise(): number {
    const unit = 2 ** this.rcvWs;
    return Math.min(Math.floor(this.recvBuf.free / unit), 0xffff) * unit;
  }

  /** Options of a non-SYN segment: timestamps when on (RFC 7323 §3.2), SACK blocks while data is held out of order (RFC 2018 §4). */
  private optionsFor(now: number): TcpOptions {
    if (this.tsOn) {
      this.ts.value = this.tsNow(now);
      this.ts.echo = this.tsRecent;
    }
    if (this.sackOn && this.reasm.count > 0) {
      const n = this.reasm.sackBlocks(this.sackPool, this.tsOn ? 3 : 4);
      this.sackBlocks.length = 0;
      for (let i = 0; i < n; i++) this.sackBlocks.push(this.sackPool[i]!);
      return this.tsOn ? this.tsSackOptions : this.sackOptions;
    }
    return this.tsOn ? this.tsOptions : NO_OPTIONS;
  }

  /** Our timestamp clock (RFC 7323 §5.4): 1 ms ticks from `now` plus the connection's offset. */
  private tsNow(now: number): number {
    return (Math.floor(now) + this.tsOffset) >>> 0;
  }

  /** Every segment we send carries the ACK: nothing is owed any more. */
  private ackSent(): void {
    this.ackNow = false;
    this.delAckDeadline = Infinity;
    this.unackedBytes = 0;
    this.lastAckSent = this.rcvNxt;
  }

  private emitControl(out: TcpOutput, seq: number, ack: number, flags: number, window: number, options: TcpOptions): boolean {
    const g = this.seg;
    g.seq = seq;
    g.ack = ack;
    g.flags = flags;
    g.window = window;
    g.options = options;
    g.payloadLength = 0;
    g.source = null;
    return out.emit(g);
  }

  private queueRst(seq: number, ack: number, flags: number): void {
    this.rstPending = true;
    this.rstSeq = seq;
    this.rstAck = ack;
    this.rstFlags = flags;
  }

  private enterTimeWait(now: number): void {
    this.st = TcpState.TIME_WAIT;
    this.rtoDeadline = Infinity;
    this.userDeadline = Infinity;
    this.fw2Deadline = Infinity;
    this.timeWaitDeadline = now + this.cfg.timeWait;
  }

  private fail(error: TcpError): void {
    this.err = error;
    this.toClosed();
  }

  private toClosed(): void {
    this.st = TcpState.CLOSED;
    this.rtoDeadline = Infinity;
    this.userDeadline = Infinity;
    this.fw2Deadline = Infinity;
    this.timeWaitDeadline = Infinity;
    this.ackNow = false;
    this.delAckDeadline = Infinity;
    this.synAckAgain = false;
    this.sendBuf.clear();
    this.reasm.clear();
    if (this.err !== null) this.recvBuf.clear();
  }

  // ------------------------------------------------------------ inspection

  /** A snapshot for `stack.inspect()` (like `ss -ti`). */
  info(): TcpConnectionInfo {
    return {
      state: this.st,
      error: this.err,
      localPort: this.localPort,
      remotePort: this.remotePort,
      mss: this.effMss,
      peerMss: this.peerMss,
      sndWscale: this.sndWs,
      rcvWscale: this.rcvWs,
      timestamps: this.tsOn,
      sack: this.sackOn,
      cwnd: this.cc.cwnd,
      ssthresh: this.cc.ssthresh,
      recovering: this.inRecovery,
      srtt: Math.max(this.rtt.srtt, 0),
      rttvar: this.rtt.rttvar,
      rto: this.rtt.rto,
      backoff: this.retries,
      bytesInFlight: seqDiff(this.sndMax, this.sndUna),
      sndWnd: this.sndWnd,
      rcvWnd: Math.max(seqDiff(this.rcvAdvRight, this.rcvNxt), 0),
      sendBuffered: this.sendBuf.length,
      sendBufferSize: this.sendBuf.capacity,
      recvBuffered: this.recvBuf.length,
      recvBufferSize: this.recvBuf.capacity,
      counters: { ...this.counters },
    };
  }

  /** Our ISS and the peer's IRS (for tests and traces). */
  get sequenceBase(): { readonly iss: number; readonly irs: number } {
    return { iss: this.iss, irs: this.irs };
  }
}

import { StackError } from '@stack/interfaces';
import { TcpFlags as F } from '../wire/fields.js';
import { seqAdd, seqGe, seqGt, seqLt } from './sequence.js';
import { updateWindow } from './ack.js';
import { established, input } from './input.js';
import { connectionInfo, type TcpConnectionCounters, type TcpConnectionInfo } from './info.js';
import { IP_TCP_HEADERS, MIN_MTU, NO_OPTIONS, negotiate, takeSyn, updateSendMss, type TcpOpenOptions } from './options.js';
import { afterRead } from './receiver.js';
import { retransmitFirst, sendRecovery, simpleRetransmit } from './recovery.js';
import { borrowTx, returnTx } from './scratch.js';
import { emitControl, sendAck, sendData, sendSyn } from './sender.js';
import type { SegmentIn, TcpOutput } from './segment.js';
import { TcpState, type TcpError } from './state.js';
import { Tcb } from './tcb.js';
import { nextDeadline, runTimers, setKeepalive } from './timers.js';
import { TcpTimeWait, timeWaitReady } from './timewait.js';

export { TCP_DEFAULT_MSS, type TcpOpenOptions } from './options.js';
export type { TcpConnectionCounters, TcpConnectionInfo } from './info.js';

/**
 * What `TcpConnection.restore` needs beside the open options: what the
 * peer's SYN offered, as the layer's SYN cookie (RFC 4987 §3.6) encoded
 * it. Our ISS (`iss`) is the cookie: the SYN-ACK's sequence number.
 */
export interface TcpRestoreOptions extends TcpOpenOptions {
  /** The peer's initial sequence number (its SYN's SEQ; the ACK's SEQ − 1 when the ACK is the first segment after it). */
  readonly irs: number;
  /** The MSS the SYN offered (as far as the cookie keeps it: Linux keeps one of a few values), -1 for none (536). */
  readonly peerMss: number;
  /** The SYN's window scale shift, -1 when it offered none. Our SYN-ACK offered `windowScaleFor(recvBufferSize)` back. */
  readonly peerWindowScale: number;
  /** Both sides offered SACK-permitted (RFC 2018 §2). */
  readonly sackPermitted: boolean;
  /** Both sides offered timestamps (RFC 7323 §3). */
  readonly timestamps: boolean;
  /** TS.Recent: the SYN's TSval; default the ACK's own TSval. */
  readonly tsRecent?: number;
}

/**
 * One TCP connection as a sans-IO state machine (RFC 9293 §3.10): all its
 * state in one object (the TCB, `tcb.ts`), no timers, clock or I/O. The
 * layer feeds it received segments with `input(seg, now)`, lets it send
 * with `poll(now, out)`, and calls `poll` again at `nextDeadline()`.
 *
 * The work is done by functions over the TCB, one file each: option
 * negotiation (`options.ts`), segment arrival (`input.ts`), the ACK field
 * (`ack.ts`), loss recovery (`recovery.ts`, with the SACK scoreboard in
 * `scoreboard.ts`), the send side (`sender.ts`), the receive side
 * (`receiver.ts`), timers (`timers.ts`), inspection (`info.ts`). The README
 * lists what is implemented and what is not.
 */
export class TcpConnection {
  private readonly t: Tcb;

  private constructor(opts: TcpOpenOptions, state: TcpState, passive: boolean) {
    this.t = new Tcb(opts, state, passive);
  }

  /** Our port. */
  get localPort(): number {
    return this.t.localPort;
  }

  /** The peer's port. */
  get remotePort(): number {
    return this.t.remotePort;
  }

  /** True when built from a received SYN (passive open). */
  get passive(): boolean {
    return this.t.passive;
  }

  /**
   * Active open (RFC 9293 §3.10.1): a connection in SYN-SENT whose SYN goes
   * out on the first `poll`. Throws ERR_INVALID_ARGUMENT for an `mtu` or
   * `gsoMaxSize` out of range (as `accept` and `restore` do).
   */
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
    const t = c.t;
    takeSyn(t, syn);
    t.sndWnd = syn.window; // never scaled in a SYN (RFC 7323 §2.2)
    t.maxSndWnd = syn.window;
    return c;
  }

  /**
   * A connection in ESTABLISHED rebuilt from the ACK that completes a
   * handshake answered statelessly with a SYN cookie (RFC 4987 §3.6, as
   * Linux does): the layer checked the cookie in `ack` (SEG.ACK − 1) and
   * decoded what the SYN offered into `opts`; `opts.iss` is the cookie, so
   * `ack` must acknowledge iss + 1. The peer's window comes from `ack`
   * (scaled), and any data or FIN it carries is processed as `input` would
   * at `now` (the answer goes out on the next `poll`). The handshake gives
   * no RTT sample (the SYN-ACK's TSval may carry cookie bits). With
   * timestamps, `opts.tsOffset` must be that of the clock the SYN-ACK's
   * TSval came from, so our TSvals run on from it (else the peer's PAWS
   * drops what we send). Throws
   * ERR_INVALID_ARGUMENT when `ack` is not an ACK without SYN and RST, or
   * does not acknowledge iss + 1.
   */
  static restore(ack: SegmentIn, opts: TcpRestoreOptions, now: number): TcpConnection {
    if ((ack.flags & (F.SYN | F.ACK | F.RST)) !== F.ACK) throw new StackError('ERR_INVALID_ARGUMENT', 'TcpConnection.restore needs an ACK without SYN or RST');
    const sent = seqAdd(opts.iss, 1);
    if ((ack.ack | 0) !== sent) throw new StackError('ERR_INVALID_ARGUMENT', `TcpConnection.restore: the ACK acknowledges ${ack.ack}, not iss + 1 = ${sent >>> 0}`);
    const c = new TcpConnection(opts, TcpState.SYN_RECEIVED, true);
    const t = c.t;
    const o = ack.options;
    negotiate(t, opts.irs | 0, {
      mss: opts.peerMss,
      windowScale: opts.peerWindowScale,
      sackPermitted: opts.sackPermitted,
      timestamps: opts.timestamps,
      tsValue: opts.tsRecent ?? (o.hasTimestamps ? o.tsValue : 0),
    });
    // Our SYN-ACK went out (statelessly) and this ACK acknowledges it.
    t.sndUna = sent;
    t.sndNxt = sent;
    t.sndMax = sent;
    t.sndSml = sent;
    t.recover = sent;
    t.highRxt = sent;
    t.rescueRxt = sent;
    updateWindow(t, ack);
    established(t, now);
    input(t, ack, now);
    return c;
  }

  /** RFC 9293 §3.3.2 state. */
  get state(): TcpState {
    return this.t.st;
  }

  /** Why the connection failed ('refused', 'reset', 'timeout', 'aborted'), or null (also after a clean close). */
  get error(): TcpError | null {
    return this.t.err;
  }

  /** Counters of this connection (live; `info()` copies them). */
  get counters(): TcpConnectionCounters {
    return this.t.counters;
  }

  // ------------------------------------------------------------ application

  /** Bytes received in order and not yet read. */
  get readable(): number {
    return this.t.recvBuf.length;
  }

  /** True when the peer's FIN arrived and every byte before it has been read. */
  get eof(): boolean {
    return this.t.finReceived && this.t.recvBuf.length === 0;
  }

  /** Room in the send buffer (0 once the send side is shut or the connection closed). */
  get writable(): number {
    return this.canSend() ? this.t.sendBuf.free : 0;
  }

  private canSend(): boolean {
    const s = this.t.st;
    return !this.t.finQueued && (s === TcpState.SYN_SENT || s === TcpState.SYN_RECEIVED || s === TcpState.ESTABLISHED || s === TcpState.CLOSE_WAIT);
  }

  /** True when Nagle's algorithm is off: small segments go at once (TCP_NODELAY). */
  get noDelay(): boolean {
    return this.t.nagleOff;
  }

  /**
   * Turns Nagle's algorithm (RFC 9293 §3.7.4) off (true) or on (false) for
   * this connection, like TCP_NODELAY; data it held goes on the next `poll`.
   */
  setNoDelay(on: boolean): void {
    this.t.nagleOff = on;
  }

  /** True when keepalive probes are on. */
  get keepalive(): boolean {
    return this.t.kaOn;
  }

  /**
   * Turns keepalive (RFC 1122 §4.2.3.6) on or off for this connection, like
   * SO_KEEPALIVE: after `keepaliveIdle` ms without a segment from the peer,
   * a probe every `keepaliveInterval` ms; `keepaliveCount` unanswered probes
   * fail the connection with 'timeout'. Turned on, the idle time counts
   * from `now`.
   */
  setKeepalive(on: boolean, now: number): void {
    setKeepalive(this.t, on, now);
  }

  /**
   * Copies as much of `bytes` as fits into the send buffer (RFC 9293 §3.10.2)
   * and returns how much it took; it goes out on the next `poll`. Throws
   * ERR_CLOSED after shutdown/close/abort or once the connection is closing
   * or closed.
   */
  send(bytes: Uint8Array): number {
    if (!this.canSend()) throw new StackError('ERR_CLOSED', `send in ${this.t.st}${this.t.finQueued ? ' after shutdown' : ''}`);
    return this.t.sendBuf.write(bytes);
  }

  /**
   * Copies up to `into.length` received bytes into `into` and returns how
   * many (RFC 9293 §3.10.3). When the window now exceeds the one last
   * advertised by min(buffer/2, MSS) (RFC 9293 §3.8.6.2.2), a window update
   * goes out on the next `poll`.
   */
  recv(into: Uint8Array): number {
    const n = this.t.recvBuf.read(into);
    afterRead(this.t, n);
    return n;
  }

  /**
   * Takes up to `max` received bytes without copying (RFC 9293 §3.10.3): a
   * view of the receive buffer's storage, which the connection never
   * writes again, so the caller owns it. It may hold fewer than `max` bytes
   * even when more are `readable` (they continue in the next storage
   * chunk: take again); empty when none are. Window updates as for `recv`.
   */
  take(max: number): Uint8Array {
    const bytes = this.t.recvBuf.take(max);
    afterRead(this.t, bytes.length);
    return bytes;
  }

  /**
   * Half close (RFC 9293 §3.10.4 for the send side): a FIN follows the
   * buffered data; reading goes on. ESTABLISHED → FIN-WAIT-1, CLOSE-WAIT →
   * LAST-ACK; before the handshake completes the FIN waits for it. Later
   * calls do nothing.
   */
  shutdown(): void {
    const t = this.t;
    if (t.finQueued) return;
    switch (t.st) {
      case TcpState.SYN_SENT:
      case TcpState.SYN_RECEIVED:
        t.finQueued = true;
        break;
      case TcpState.ESTABLISHED:
        t.finQueued = true;
        t.st = TcpState.FIN_WAIT_1;
        break;
      case TcpState.CLOSE_WAIT:
        t.finQueued = true;
        t.st = TcpState.LAST_ACK;
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
    const t = this.t;
    t.appClosed = true;
    if (t.st === TcpState.SYN_SENT) {
      t.toClosed();
      return;
    }
    if (t.recvBuf.length > 0) {
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
    const t = this.t;
    switch (t.st) {
      case TcpState.CLOSED:
        return;
      case TcpState.SYN_RECEIVED:
      case TcpState.ESTABLISHED:
      case TcpState.FIN_WAIT_1:
      case TcpState.FIN_WAIT_2:
      case TcpState.CLOSE_WAIT:
        t.queueRst(t.sndMax, 0, F.RST);
        break;
      default:
        break;
    }
    t.fail('aborted');
  }

  /**
   * The path MTU toward the peer dropped to `mtu` (RFC 1191 §6.3, RFC 9293
   * §3.7.3): an ICMP "fragmentation needed" / "packet too big" the layer
   * matched to this connection, or PLPMTUD's verdict. The send MSS becomes
   * mtu − 40 less the options (never below 64 bytes; an `mtu` under 68
   * counts as 68); values at or above the current path MTU are ignored
   * (increases are not taken from ICMP). When a segment in flight is larger
   * than the new MSS, everything from SND.UNA goes again at the new size
   * on the next `poll`, without counting as congestion: no window
   * reduction, no RTO backoff (Linux's tcp_simple_retransmit); the RTO
   * restarts from `now`. Never throws: `mtu` comes off the wire.
   */
  pathMtuChanged(mtu: number, now: number): void {
    const t = this.t;
    if (Number.isNaN(mtu) || t.st === TcpState.CLOSED) return;
    const m = Math.min(Math.max(Math.floor(mtu), MIN_MTU), 65_535);
    if (t.pmtu > 0 && m >= t.pmtu) return;
    if (t.pmtu === 0 && m - IP_TCP_HEADERS >= t.advMss) {
      t.pmtu = m; // known now, and no smaller than what we use
      return;
    }
    const before = t.effMss;
    t.pmtu = m;
    updateSendMss(t);
    if (t.effMss >= before) return;
    t.counters.mtuReductions++;
    if (t.flightMaxSeg > t.effMss && t.sndMax !== t.sndUna && t.st !== TcpState.SYN_SENT && t.st !== TcpState.SYN_RECEIVED) {
      simpleRetransmit(t);
      t.rtoDeadline = now + t.rtt.rto;
    }
  }

  // ------------------------------------------------------------ time, input, output

  /**
   * When `poll` must next run (absolute ms, as `now`), or Infinity: the RTO
   * / persist / SWS override timer, the delayed ACK, keepalive, the user timeout, FIN-WAIT-2 and TIME-WAIT; -Infinity when a control segment (SYN,
   * SYN-ACK, ACK, RST) waits to go out. Unsent data does not count: poll
   * after `send`.
   */
  nextDeadline(): number {
    return nextDeadline(this.t);
  }

  /**
   * Processes one received segment of this connection at time `now`
   * (RFC 9293 §3.10.7). Never throws; replies (ACKs, RSTs) go out on the
   * next `poll`. The payload is copied into the receive buffer, so `seg`
   * may be reused as soon as this returns.
   */
  input(seg: SegmentIn, now: number): void {
    input(this.t, seg, now);
  }

  /**
   * Runs the timers due at `now` and sends what is ready through `out`:
   * a pending RST, the SYN or SYN-ACK, retransmissions, data and FIN within
   * the windows, then an ACK if one is owed. Returns the number of segments
   * sent (a GSO segment counts once). Call after `input`, after application
   * calls, and at `nextDeadline()`.
   */
  poll(now: number, out: TcpOutput): number {
    const t = this.t;
    const tx = borrowTx();
    const seg = tx.seg;
    seg.srcPort = t.localPort;
    seg.dstPort = t.remotePort;
    seg.urgentPointer = 0;
    t.tx = tx;
    try {
      return this.pollWith(t, now, out);
    } finally {
      t.tx = null;
      returnTx(tx);
    }
  }

  /** `poll` with the scratch borrowed (`t.tx`). */
  private pollWith(t: Tcb, now: number, out: TcpOutput): number {
    const probe = runTimers(t, now);
    let sent = 0;
    if (t.rstPending) {
      if (!emitControl(t, out, t.rstSeq, t.rstAck, t.rstFlags, 0, NO_OPTIONS)) return sent;
      t.rstPending = false;
      sent++;
    }
    switch (t.st) {
      case TcpState.CLOSED:
        return sent;
      case TcpState.SYN_SENT:
      case TcpState.SYN_RECEIVED:
        if (t.sndNxt === t.iss || t.synAckAgain) sent += sendSyn(t, now, out);
        break;
      default:
        if (t.retransmitHead) sent += retransmitFirst(t, now, out);
        sent += t.inRecovery && t.sackOn ? sendRecovery(t, now, out) : sendData(t, now, out);
    }
    t.swsOverride = false;
    // A keepalive probe (RFC 1122 §4.2.3.6): SEG.SEQ = SND.NXT − 1 and no data, which the peer must answer
    // with an ACK. A probe the device refuses counts as sent (a lost probe).
    if (probe && sendAck(t, now, out, seqAdd(t.sndMax, -1))) sent++;
    // A pure ACK carries SND.MAX, the RFC's SND.NXT: after go-back-N our sndNxt may lie before the peer's
    // RCV.NXT, and a zero-length segment there would be unacceptable to it, ACK field and all.
    if (t.ackNow && t.st !== TcpState.SYN_SENT && sendAck(t, now, out, t.sndMax)) sent++;
    return sent;
  }

  // ------------------------------------------------------------ inspection

  /** A snapshot for `stack.inspect()` (like `ss -ti`). */
  info(): TcpConnectionInfo {
    return connectionInfo(this.t);
  }

  /**
   * Whether an ICMP error quoting sequence number `seq` can be about a
   * segment we sent (RFC 5927 §4.1): SND.UNA ≤ seq < SND.MAX, or our ISS in
   * SYN-SENT. Errors that fail this are forged or stale and must be ignored.
   */
  sentSequence(seq: number): boolean {
    const t = this.t;
    if (t.st === TcpState.CLOSED) return false;
    if (t.st === TcpState.SYN_SENT || t.st === TcpState.SYN_RECEIVED) return (seq | 0) === t.iss;
    return seqGe(seq, t.sndUna) && seqLt(seq, t.sndMax);
  }

  /**
   * Whether a SYN for this connection's 4-tuple, arriving in TIME-WAIT, may
   * start a new connection (RFC 9293 §3.10.7.4, RFC 1122 §4.2.2.13, RFC
   * 6191), as Linux decides it: its sequence number lies beyond RCV.NXT,
   * or timestamps are on and its TSval is newer than TS.Recent. An old
   * duplicate of this connection's SYN is neither. False in any other state.
   */
  acceptsNewSyn(syn: SegmentIn): boolean {
    const t = this.t;
    if (t.st !== TcpState.TIME_WAIT) return false;
    if (seqGt(syn.seq, t.rcvNxt)) return true;
    return t.tsOn && syn.options.hasTimestamps && seqGt(syn.options.tsValue, t.tsRecent);
  }

  /**
   * Copies what TIME-WAIT needs into `into` (RFC 9293 §3.10.7.4; Linux's
   * inet_timewait_sock) and returns true, so the caller can drop this
   * connection and drive `into` instead: it answers every later segment as
   * this connection would. False, and nothing copied, unless the
   * connection is in TIME-WAIT with nothing owed or held: no segment
   * waiting to go (`poll` first), nothing unread, no data out of order.
   * This connection is left as it was (still in TIME-WAIT: its reads give
   * EOF, its writes throw), and is not to be polled any more.
   */
  compactTimeWait(into: TcpTimeWait): boolean {
    return TcpTimeWait.fill(into, this.t);
  }

  /** Whether `compactTimeWait` would succeed now (nothing copied): so a caller makes the record only when it will be used. */
  canCompactTimeWait(): boolean {
    return timeWaitReady(this.t);
  }

  /** Our ISS and the peer's IRS (for tests and traces). */
  get sequenceBase(): { readonly iss: number; readonly irs: number } {
    return { iss: this.t.iss >>> 0, irs: this.t.irs >>> 0 };
  }
}

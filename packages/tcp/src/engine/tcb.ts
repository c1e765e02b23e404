import { TCP_DEFAULTS, type ResolvedTcpConfig } from '../config.js';
import { seqAdd } from './sequence.js';
import { createCongestionControl, type CongestionControl } from './congestion/index.js';
import { newCounters, type TcpConnectionCounters } from './info.js';
import { IP_TCP_HEADERS, TCP_DEFAULT_MSS, checkOpenOptions, type TcpOpenOptions } from './options.js';
import { Reassembly } from './reassembly.js';
import { RecvQueue } from './recv-queue.js';
import { RingBuffer } from './ring.js';
import { RttEstimator } from './rtt.js';
import { SackScoreboard } from './scoreboard.js';
import type { TxScratch } from './scratch.js';
import { TcpState, type TcpError } from './state.js';

/** What `reasm` and `sack` are until a connection needs its own: always empty (capacity 0, so nothing is ever added). */
const NO_REASSEMBLY = new Reassembly(0);
const NO_SACK = new SackScoreboard(0);

/**
 * The TCB's booleans, in the order of their bits in `Tcb.bits`: eighteen
 * boolean fields would take 8 bytes each in every connection, one small
 * integer takes 8 in all. Each is an accessor on the prototype (below the
 * class), so the engine reads and writes `t.ackNow` as a plain property.
 */
const FLAGS = [
  'passive', 'finQueued', 'nagleOff', 'finReceived', 'finHeld', 'appClosed', 'peerOfferedWs', 'tsOn', 'sackOn',
  'rttTiming', 'forceProbe', 'swsOverride', 'kaOn', 'inRecovery', 'retransmitHead', 'ackNow', 'synAckAgain', 'rstPending',
] as const;
const PASSIVE = 1 << FLAGS.indexOf('passive');
const NAGLE_OFF = 1 << FLAGS.indexOf('nagleOff');
const KA_ON = 1 << FLAGS.indexOf('kaOn');

/**
 * The Transmission Control Block of one connection (RFC 9293 §3.3.1): every
 * variable of its state in one plain object, shared by the engine's
 * modules (options, sender, recovery, receiver, input, timers), each a set
 * of functions over it. `TcpConnection` owns one and is its only public
 * face; nothing here is exported from the package. Allocation happens in
 * the constructor, and lazily where most connections never need it: ring
 * storage, reassembly and SACK ranges; the segment to send is borrowed per
 * poll (`scratch.ts`).
 */
export class Tcb {
  /** The boolean state below (`declare`d fields), one bit each: see `FLAGS`. */
  bits = 0;
  st: TcpState;
  err: TcpError | null = null;
  readonly localPort: number;
  readonly remotePort: number;
  /** True when built from a received SYN (passive open, or restored from a SYN cookie). */
  declare readonly passive: boolean;
  readonly counters: TcpConnectionCounters = newCounters();

  readonly cfg: ResolvedTcpConfig;
  readonly cc: CongestionControl;
  readonly sendBuf: RingBuffer;
  /** The receive buffer: bytes copied in once, handed to the reader as views (`recv-queue.ts`). */
  readonly recvBuf: RecvQueue;
  /** The segment and option objects to send with, borrowed for the duration of `poll` (null outside it). */
  tx: TxScratch | null = null;
  readonly tsOffset: number;

  // Send sequence space (RFC 9293 §3.3.1). sndMax is the highest SND.NXT
  // reached: go-back-N moves sndNxt back to sndUna, sndMax stays. Every
  // sequence number and timestamp here is an int32 (`sequence.ts`).
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  sndMax: number;
  sndWnd = 0;
  maxSndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  /** Sequence number of the first byte in sendBuf (ISS+1 onwards). */
  sndBufSeq: number;
  /** The application asked for a FIN (shutdown/close): it follows the buffered data. */
  declare finQueued: boolean;
  /** Nagle's algorithm is off (`config.noDelay`, `setNoDelay`). */
  declare nagleOff: boolean;
  /** End of the last new segment shorter than the MSS (Nagle, Minshall's form): small data is in flight while it is past SND.UNA. */
  sndSml: number;
  /** Largest segment (wire size, payload bytes) sent since nothing was last in flight: `pathMtuChanged` resends when it no longer fits. */
  flightMaxSeg = 0;

  // Receive sequence space.
  irs = 0;
  rcvNxt = 0;
  /** Right edge of the window we last advertised (RFC 7323 §2.4: never moved left). */
  rcvAdvRight = 0;
  lastAckSent = 0;
  declare finReceived: boolean;
  /** A FIN arrived out of order: it takes effect when RCV.NXT reaches `finHeldAt`. */
  declare finHeld: boolean;
  finHeldAt = 0;
  declare appClosed: boolean;
  /** Out-of-order data held (RFC 9293 §3.10.7.4): a shared empty one until `reassembly()` makes this connection's own. */
  reasm: Reassembly = NO_REASSEMBLY;

  // Negotiated options and segment sizes.
  sndWs = 0;
  rcvWs = 0;
  declare peerOfferedWs: boolean;
  declare tsOn: boolean;
  tsRecent = 0;
  declare sackOn: boolean;
  peerMss = TCP_DEFAULT_MSS;
  /** The MSS we announce: `config.mss`, capped by the route MTU − 40 (RFC 9293 §3.7.1, RFC 879). */
  readonly advMss: number;
  /** Path MTU (RFC 1191): the route MTU given at open, lowered by `pathMtuChanged`; 0 when unknown. */
  pmtu: number;
  /** Payload bytes per segment we send (RFC 9293 §3.7.1's effective send MSS, less fixed options). */
  effMss: number;
  /** Largest payload handed out in one (GSO) segment (`gsoMaxSize`; whole MSS pieces of it are used); 0: GSO off. */
  readonly gsoMax: number;

  // RFC 6298 state and timers (absolute times; Infinity when not armed).
  readonly rtt: RttEstimator;
  retries = 0;
  declare rttTiming: boolean;
  rttSeq = 0;
  rttTime = 0;
  rtoDeadline = Infinity;
  /** Our TSval when the RTO last fired: older echoes give no RTT sample. */
  tsAtTimeout = 0;
  timeWaitDeadline = Infinity;
  /** A zero-window probe may go past the window (RFC 9293 §3.8.6.1). */
  declare forceProbe: boolean;
  /** The persist timer fired while SWS avoidance held data: send what the window takes on this poll. */
  declare swsOverride: boolean;
  /** Keepalive (RFC 1122 §4.2.3.6): on or off, when the timer next fires, and probes sent unanswered. */
  declare kaOn: boolean;
  kaDeadline = Infinity;
  kaProbes = 0;
  /** User timeout (RFC 5482): when unacknowledged data has gone without progress for `userTimeout` ms. */
  userDeadline = Infinity;
  /** When an orphaned FIN-WAIT-2 gives up (`finWait2Timeout`, Linux's tcp_fin_timeout). */
  fw2Deadline = Infinity;

  // Loss recovery (RFC 5681 §3.2, RFC 6582, RFC 6675). `recover` is one past the highest sequence number
  // sent when recovery began (or the last RTO fired): RFC 6675's RecoveryPoint; a full ACK reaches it.
  dupAcks = 0;
  declare inRecovery: boolean;
  recover: number;
  /** Send the first unacknowledged segment again on the next poll (fast retransmit, partial ACK). */
  declare retransmitHead: boolean;
  /** The peer's SACK blocks (RFC 6675 §3): a shared empty scoreboard until `scoreboard()` makes this connection's own. */
  sack: SackScoreboard = NO_SACK;
  /** One past the highest byte retransmitted in this SACK recovery (RFC 6675's HighRxt + 1). */
  highRxt: number;
  /** RFC 6675's RescueRxt + 1: a rescue retransmission may go once SND.UNA passes it. */
  rescueRxt: number;

  // Control segments waiting for the next poll.
  declare ackNow: boolean;
  /** When a delayed ACK is due (Infinity: none pending), and the in-order bytes it would acknowledge. */
  delAckDeadline = Infinity;
  unackedBytes = 0;
  /** Largest segment received so far, capped at our MSS: "full-sized" for the every-second-segment rule. */
  rcvMss = 0;
  declare synAckAgain: boolean;
  declare rstPending: boolean;
  rstSeq = 0;
  rstAck = 0;
  rstFlags = 0;
  challengeStart = -Infinity;
  challengeCount = 0;

  constructor(opts: TcpOpenOptions, state: TcpState, passive: boolean) {
    checkOpenOptions(opts);
    this.cfg = opts.config ?? TCP_DEFAULTS;
    this.localPort = opts.localPort;
    this.remotePort = opts.remotePort;
    // The booleans set at open, straight into `bits` (the accessors would each read and write it).
    this.bits = (passive ? PASSIVE : 0) | (this.cfg.noDelay ? NAGLE_OFF : 0) | (this.cfg.keepalive ? KA_ON : 0);
    this.st = state;
    this.iss = opts.iss | 0;
    this.sndUna = this.iss;
    this.sndNxt = this.iss;
    this.sndMax = this.iss;
    this.sndBufSeq = seqAdd(this.iss, 1);
    this.recover = this.iss;
    this.highRxt = this.iss;
    this.rescueRxt = this.iss;
    this.sndSml = this.iss;
    this.tsOffset = (opts.tsOffset ?? 0) | 0;
    this.sendBuf = new RingBuffer(this.cfg.sendBufferSize);
    this.recvBuf = new RecvQueue(this.cfg.recvBufferSize);
    this.rtt = new RttEstimator(this.cfg.rtoInitial, this.cfg.rtoMin, this.cfg.rtoMax);
    this.pmtu = opts.mtu ?? 0;
    this.advMss = this.pmtu > 0 ? Math.min(this.cfg.mss, this.pmtu - IP_TCP_HEADERS) : this.cfg.mss;
    this.effMss = Math.min(this.advMss, TCP_DEFAULT_MSS);
    this.gsoMax = opts.gsoMaxSize ?? 0;
    this.cc = opts.congestion ?? createCongestionControl(this.cfg.congestion, this.cfg.initialCwnd);
  }

  /** The connection's own reassembly ranges, made on first use (`reasm` until then is a shared empty one). */
  reassembly(): Reassembly {
    if (this.reasm === NO_REASSEMBLY) this.reasm = new Reassembly(this.cfg.reassemblyRanges);
    return this.reasm;
  }

  /** The connection's own SACK scoreboard, made on first use (capacity 0 when SACK is off in the config). */
  scoreboard(): SackScoreboard {
    if (this.sack === NO_SACK) this.sack = new SackScoreboard(this.cfg.sack ? this.cfg.sackRanges : 0);
    return this.sack;
  }

  /** Sequence number of our FIN (meaningful once `finQueued`): right after the last buffered byte. */
  finSeq(): number {
    return seqAdd(this.sndBufSeq, this.sendBuf.length);
  }

  /** Our timestamp clock (RFC 7323 §5.4): 1 ms ticks from `now` plus the connection's offset (int32, as sequence numbers). */
  tsNow(now: number): number {
    return (Math.floor(now) + this.tsOffset) | 0;
  }

  /** Every segment we send carries the ACK: nothing is owed any more. */
  ackSent(): void {
    this.ackNow = false;
    this.delAckDeadline = Infinity;
    this.unackedBytes = 0;
    this.lastAckSent = this.rcvNxt;
  }

  /** An RST to send on the next poll. */
  queueRst(seq: number, ack: number, flags: number): void {
    this.rstPending = true;
    this.rstSeq = seq | 0;
    this.rstAck = ack | 0;
    this.rstFlags = flags;
  }

  enterTimeWait(now: number): void {
    this.st = TcpState.TIME_WAIT;
    this.rtoDeadline = Infinity;
    this.userDeadline = Infinity;
    this.fw2Deadline = Infinity;
    this.timeWaitDeadline = now + this.cfg.timeWait;
    // Our FIN is acknowledged, so every byte sent is: the send buffer is empty. Its storage goes back now
    // rather than when TIME-WAIT ends (a busy server holds many connections in TIME-WAIT).
    this.sendBuf.clear();
  }

  fail(error: TcpError): void {
    this.err = error;
    this.toClosed();
  }

  toClosed(): void {
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
    this.sack.clear();
    if (this.err !== null) this.recvBuf.clear();
  }
}

for (let i = 0; i < FLAGS.length; i++) {
  const bit = 1 << i;
  Object.defineProperty(Tcb.prototype, FLAGS[i]!, {
    get(this: Tcb): boolean {
      return (this.bits & bit) !== 0;
    },
    set(this: Tcb, on: boolean): void {
      this.bits = on ? this.bits | bit : this.bits & ~bit;
    },
  });
}

// Option negotiation on the SYN (RFC 9293 §3.7.1, RFC 7323, RFC 2018) and
// the options of every later segment, and the segment sizes they imply.
import { StackError } from '@stack/interfaces';
import type { ResolvedTcpConfig } from '../config.js';
import { TCP_MAX_WINDOW_SCALE } from '../wire/fields.js';
import type { TcpOptions, TcpTimestamps } from '../wire/options.js';
import { seqAdd } from './sequence.js';
import type { CongestionControl } from './congestion/index.js';
import type { SegmentIn } from './segment.js';
import type { Tcb } from './tcb.js';

/** MSS assumed when the peer's SYN carries none (RFC 9293 §3.7.1, IPv4). */
export const TCP_DEFAULT_MSS = 536;
/** Bytes the timestamps option takes in every segment (two NOPs and 10 bytes, RFC 7323 Appendix A). */
export const TS_OPTION_LEN = 12;
/** Smallest send MSS we accept from a peer or a path MTU (Linux's TCP_MIN_SND_MSS is 48; RFC 9293 §3.7.1 asks for a floor). */
export const MIN_SEND_MSS = 64;
/** IPv4 and TCP headers without options: MSS = MTU − 40 (RFC 879, RFC 9293 §3.7.1). */
export const IP_TCP_HEADERS = 40;
/** The smallest MTU an IPv4 path may have (RFC 791, RFC 1191 §3). */
export const MIN_MTU = 68;
/** Largest `gsoMaxSize`: what one IPv4 packet can carry. */
export const MAX_GSO_SIZE = 65_535 - IP_TCP_HEADERS;
/** Options of a segment that carries none. */
export const NO_OPTIONS: TcpOptions = Object.freeze({});

/** What every kind of open takes (`connect`, `accept`, `restore`). */
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
  /**
   * The MTU of the route toward the peer (68..65535). The MSS we announce is
   * then min(`config.mss`, mtu − 40) (RFC 9293 §3.7.1, RFC 879), and we send
   * no larger; `pathMtuChanged` lowers it later (RFC 1191). Default: unknown,
   * `config.mss` alone.
   */
  readonly mtu?: number;
  /**
   * Largest payload of one segment handed to `TcpOutput.emit` (GSO / TSO),
   * up to 65495. When it holds two MSS or more, the engine may hand out one
   * `SegmentOut` of several MSS (as many whole ones as fit, and a shorter
   * tail only where a segment of that size would go on its own) with
   * `gsoSize` set to the MSS the device must cut at. 0 or absent: off.
   */
  readonly gsoMaxSize?: number;
}

function bad(message: string): never {
  throw new StackError('ERR_INVALID_ARGUMENT', `tcp: ${message}`);
}

/** Throws ERR_INVALID_ARGUMENT for an `mtu` or `gsoMaxSize` out of range. */
export function checkOpenOptions(opts: TcpOpenOptions): void {
  const { mtu, gsoMaxSize } = opts;
  if (mtu !== undefined && !(Number.isInteger(mtu) && mtu >= MIN_MTU && mtu <= 65_535)) bad(`mtu must be an integer ${MIN_MTU}..65535, got ${mtu}`);
  if (gsoMaxSize !== undefined && !(Number.isInteger(gsoMaxSize) && gsoMaxSize >= 0 && gsoMaxSize <= MAX_GSO_SIZE)) {
    bad(`gsoMaxSize must be an integer 0..${MAX_GSO_SIZE}, got ${gsoMaxSize}`);
  }
}

/**
 * The window scale shift we offer for a receive buffer of `capacity` bytes:
 * the smallest that lets the 16-bit window field cover it (RFC 7323 §2.3;
 * Linux derives its shift from its buffer limit the same way). A layer
 * answering a SYN statelessly (SYN cookies) offers this one too.
 */
export function windowScaleFor(capacity: number): number {
  let shift = 0;
  while (shift < TCP_MAX_WINDOW_SCALE && capacity > 0xffff * 2 ** shift) shift++;
  return shift;
}

/** What the peer's SYN offered, as `takeSyn` and `restore` apply it. */
export interface PeerSynOptions {
  /** The peer's MSS, or -1 when it sent none (then 536, RFC 9293 §3.7.1). */
  readonly mss: number;
  /** The peer's window scale shift, or -1 when it offered none. */
  readonly windowScale: number;
  readonly sackPermitted: boolean;
  readonly timestamps: boolean;
  /** The TSval of the SYN (TS.Recent), when `timestamps`. */
  readonly tsValue: number;
}

/**
 * Applies the peer's SYN (RFC 7323 §2.2/§3.2, RFC 2018 §2, RFC 9293 §3.7.1):
 * its sequence number `irs`, and each option used only when both sides
 * offered it and the config allows it; the send MSS follows.
 */
export function negotiate(t: Tcb, irs: number, o: PeerSynOptions): void {
  t.irs = irs | 0;
  t.rcvNxt = seqAdd(irs, 1);
  t.lastAckSent = t.rcvNxt;
  t.peerOfferedWs = o.windowScale >= 0;
  if (t.cfg.windowScaling && t.peerOfferedWs) {
    t.sndWs = Math.min(o.windowScale, TCP_MAX_WINDOW_SCALE);
    t.rcvWs = windowScaleFor(t.recvBuf.capacity);
  } else {
    t.sndWs = 0;
    t.rcvWs = 0;
  }
  t.tsOn = t.cfg.timestamps && o.timestamps;
  if (t.tsOn) t.tsRecent = o.tsValue | 0;
  t.sackOn = t.cfg.sack && o.sackPermitted;
  t.peerMss = o.mss >= 0 ? o.mss : TCP_DEFAULT_MSS;
  updateSendMss(t);
  // The window in our SYN(-ACK) is unscaled: what the peer may send before it learns our shift.
  t.rcvAdvRight = seqAdd(t.rcvNxt, Math.min(t.recvBuf.free, 0xffff));
}

/** Reads the peer's SYN segment into `t` (see `negotiate`). */
export function takeSyn(t: Tcb, seg: SegmentIn): void {
  const o = seg.options;
  negotiate(t, seg.seq, { mss: o.mss, windowScale: o.windowScale, sackPermitted: o.sackPermitted, timestamps: o.hasTimestamps, tsValue: o.tsValue });
}

/**
 * The effective send MSS (RFC 9293 §3.7.1): the smallest of the peer's MSS,
 * ours and the path MTU − 40, at least MIN_SEND_MSS, less the timestamps
 * option when it is on.
 */
export function updateSendMss(t: Tcb): void {
  let m = Math.min(t.peerMss, t.advMss);
  if (t.pmtu > 0) m = Math.min(m, t.pmtu - IP_TCP_HEADERS);
  t.effMss = Math.max(m, MIN_SEND_MSS) - (t.tsOn ? TS_OPTION_LEN : 0);
}

/**
 * The options of our SYN or SYN-ACK. Active SYN: what the config offers.
 * SYN-ACK: only what the peer offered (RFC 7323 §1.3, RFC 2018 §2).
 * Allocates one object (once per SYN).
 */
export function synOptions(t: Tcb, synAck: boolean): TcpOptions {
  const offerWs = t.cfg.windowScaling && (!synAck || t.peerOfferedWs);
  const offerTs = synAck ? t.tsOn : t.cfg.timestamps;
  const offerSack = synAck ? t.sackOn : t.cfg.sack;
  const o: { mss: number; sackPermitted?: boolean; timestamps?: TcpTimestamps; windowScale?: number } = { mss: t.advMss };
  if (offerSack) o.sackPermitted = true;
  if (offerTs) o.timestamps = t.tx!.ts;
  if (offerWs) o.windowScale = windowScaleFor(t.recvBuf.capacity);
  return o;
}

/**
 * Options of a non-SYN segment: timestamps when on (RFC 7323 §3.2), SACK
 * blocks while data is held out of order (RFC 2018 §4). Sets `tx.sackOptLen`
 * to the option bytes the blocks take (the payload room they cost).
 * Allocation-free: the objects are the poll's scratch (`t.tx`), refilled.
 */
export function segmentOptions(t: Tcb, now: number): TcpOptions {
  const tx = t.tx!;
  if (t.tsOn) {
    tx.ts.value = t.tsNow(now) >>> 0;
    tx.ts.echo = t.tsRecent >>> 0;
  }
  if (t.sackOn && t.reasm.count > 0) {
    const n = t.reasm.sackBlocks(tx.sackPool, t.tsOn ? 3 : 4);
    const blocks = tx.sackBlocks;
    blocks.length = 0;
    for (let i = 0; i < n; i++) blocks.push(tx.sackPool[i]!);
    tx.sackOptLen = 4 + 8 * n; // two NOPs, kind, length, the blocks (RFC 2018 §3; Linux's layout)
    return t.tsOn ? tx.tsSackOptions : tx.sackOptions;
  }
  tx.sackOptLen = 0;
  return t.tsOn ? tx.tsOptions : NO_OPTIONS;
}

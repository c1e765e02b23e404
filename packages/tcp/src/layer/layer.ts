import {
  StackError,
  type ConnectError, type ConnectOptions, type Counters, type Flow, type IpErrorInfo, type IpLayer, type IpOffloads, type IpRxInfo, type IpWriteOptions,
  type ListenOptions, type Random, type Scheduler, type TcpConnectionSnapshot, type TcpLayer,
} from '@stack/interfaces';
import { formatIpv4, readU16, readU32 } from '@stack/wire';
import type { ResolvedTcpConfig } from '../config.js';
import { listenerInput, resetFor } from '../engine/closed.js';
import { TcpConnection, type TcpOpenOptions } from '../engine/connection.js';
import { tcpIsn, type IsnSecret } from '../engine/isn.js';
import { windowScaleFor } from '../engine/options.js';
import { SegmentIn, SegmentOut, type TcpOutput } from '../engine/segment.js';
import { TcpState, type TcpError } from '../engine/state.js';
import { PROTOCOL_TCP, TcpFlags as F } from '../wire/fields.js';
import { checkTcp, emitTcp, tcpHeaderLen } from '../wire/segment.js';
import type { TcpOptions } from '../wire/options.js';
import { connectionConfig, resolveTcpLayerConfig, type ResolvedTcpLayerConfig, type TcpLayerConfig } from './config.js';
import { Conn, type ConnectSettle, type Entry } from './conn.js';
import { TupleTable } from './demux.js';
import { TcpFlow, type FlowHost } from './flow.js';
import { ListenerImpl, type ListenerHost } from './listener.js';
import { EphemeralPorts, type PortCheck } from './ports.js';
import { DeadlineQueue } from './timers.js';
import { TimeWait, TimeWaitList } from './timewait.js';
import { COOKIE_SLOT_MS, SynCookies } from './syncookie.js';

/** What the TCP layer needs besides IP: time and randomness (ISN and port secrets). */
export interface TcpDeps {
  readonly scheduler: Scheduler;
  readonly random: Random;
}

/**
 * The layer's counters (named after Linux's TCP MIB where one exists).
 * `dropped` reasons: truncated, malformed, checksum (parse failures);
 * broadcast (TCP to a broadcast address, RFC 1122 §4.2.3.10); noListener
 * (nothing on the port: answered with RST); listenDrop (a listener got a
 * segment that is neither SYN nor ACK); listenOverflow (accept queue
 * full); synQueueFull (SYN queue full, cookies off); connectionLimit
 * (`maxConnections` reached).
 */
export interface TcpStats {
  rx: number;
  tx: number;
  dropped: Counters;
  /** Active opens (connect) and passive opens (SYNs that made a connection). */
  activeOpens: number;
  passiveOpens: number;
  /** Connects that failed (refused, timeout, unreachable). */
  attemptFails: number;
  /** Established connections that ended by a reset (either side). */
  estabResets: number;
  /** RSTs we sent for segments that matched no connection. */
  outRsts: number;
  /** Segments IP would not send (no route, queue full, too big). */
  txErrors: number;
  /** ICMP errors about our segments: handled and ignored (no connection, bad sequence number, soft). */
  icmpErrors: number;
  icmpIgnored: number;
  /** `onFlow` threw: the flow was reset. */
  handlerErrors: number;
  /** SYN cookies (RFC 4987 §3.6): SYN-ACKs sent without state, completing ACKs that carried a good cookie, and ones that did not. */
  synCookiesSent: number;
  synCookiesValid: number;
  synCookiesFailed: number;
  /** ICMP fragmentation-needed errors that lowered a connection's MSS (RFC 1191). */
  pmtuUpdates: number;
}

function newStats(): TcpStats {
  return {
    rx: 0, tx: 0,
    dropped: { truncated: 0, malformed: 0, checksum: 0, broadcast: 0, noListener: 0, listenDrop: 0, listenOverflow: 0, synQueueFull: 0, connectionLimit: 0 },
    activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, outRsts: 0, txErrors: 0, icmpErrors: 0, icmpIgnored: 0, handlerErrors: 0,
    synCookiesSent: 0, synCookiesValid: 0, synCookiesFailed: 0, pmtuUpdates: 0,
  };
}

function validPort(port: unknown, min: number): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= min && port <= 0xffff;
}

function secret(random: Random): IsnSecret {
  return { k0: random.u32(), k1: random.u32() };
}

/** IPv4 header (no options) plus the largest TCP header: what a GSO packet carries beside its payload. */
const MAX_HEADERS = 20 + 60;
/** The engine's limit on `gsoMaxSize` (one IPv4 packet's worth of payload). */
const MAX_GSO_PAYLOAD = 65_535 - 40;
/** Offset of the checksum in the TCP header (RFC 9293 §3.1), for checksum offload. */
const TCP_CHECKSUM_OFFSET = 16;

/**
 * The largest payload per GSO segment on a route with these offloads (the
 * engine's `gsoMaxSize`): the device's GSO limit less the IP header and the
 * largest TCP header; 0 when the device cannot segment.
 */
function gsoOf(off: IpOffloads | undefined): number {
  const max = off?.gsoMaxSize ?? 0;
  return max > MAX_HEADERS ? Math.min(max - MAX_HEADERS, MAX_GSO_PAYLOAD) : 0;
}

/** What `pending` shows for a flow the layer let go in TIME-WAIT: nothing can be pending there. */
const NOTHING_PENDING = { reads: 0, writes: 0, writeBytes: 0 } as const;

/** Iterations of one service pass before it yields (each polls the engine once). */
const SERVICE_ROUNDS = 16;

/** Where a connection's segments go: its addresses and the route's checksum offload (a `Conn` or a `TimeWait`). */
interface Route {
  readonly localAddr: number;
  readonly remoteAddr: number;
  readonly checksumOffload: boolean;
}

/** What `connect` resolves with. */
type ConnectResult = { flow: TcpFlow; error?: undefined } | { error: ConnectError; flow?: undefined };

/** The TCP layer: a TcpLayer plus what stack-direct and tests use. */
export interface Tcp extends TcpLayer {
  readonly config: ResolvedTcpLayerConfig;
  readonly stats: TcpStats;
  listen(port: number, onFlow: (flow: Flow) => void, options?: ListenOptions): ListenerImpl;
  connect(dst: number, port: number, options?: ConnectOptions): Promise<{ flow: TcpFlow; error?: undefined } | { error: ConnectError; flow?: undefined }>;
  /** Connections in the table (TIME-WAIT included). */
  readonly connectionCount: number;
}

class TcpLayerImpl implements Tcp, FlowHost, ListenerHost, PortCheck {
  readonly stats = newStats();
  private readonly table: TupleTable<Entry>;
  private readonly listeners = new Map<number, ListenerImpl>();
  private readonly timers: DeadlineQueue<Conn>;
  /** Connections in TIME-WAIT kept compact, by deadline (their own timer). */
  private readonly timeWaits: TimeWaitList;
  private readonly connCfg: ResolvedTcpConfig;
  private readonly isnSecret: IsnSecret;
  private readonly tsSecret: IsnSecret;
  private readonly ports: EphemeralPorts;
  private readonly cookies: SynCookies;
  private readonly cookieSeg = new SegmentOut();
  private closed = false;

  // Receive: one SegmentIn for every segment.
  private readonly seg = new SegmentIn();
  // Transmit: the segment being written by the one preallocated fill (ip.write calls it synchronously).
  private txSeg: SegmentOut | null = null;
  private txConn: Route | null = null;
  /** The TCP header length of `txSeg` (its options measured once per segment). */
  private txHeaderLen = 0;
  private readonly rstSeg = new SegmentOut();
  /** The checksum of the segment being written is the device's to finish (checksum offload). */
  private txPartial = false;
  private readonly emitFull: { src: number; dst: number; checksum: 'compute' | 'partial' } = { src: 0, dst: 0, checksum: 'compute' };
  private readonly emitPartial: { src: number; dst: number; checksum: 'compute' | 'partial' } = { src: 0, dst: 0, checksum: 'partial' };
  private readonly txFill = (buf: Uint8Array, src: number, dst: number): void => {
    const seg = this.txSeg!;
    if (seg.payloadLength > 0) seg.copyPayload(buf.subarray(this.txHeaderLen));
    const o = this.txPartial ? this.emitPartial : this.emitFull; // reused: nothing allocated per segment
    o.src = src;
    o.dst = dst;
    emitTcp(seg, buf, 0, o);
  };
  // IP write options of a connection's segments, reused: DF always (RFC 1191), GSO size per segment, and
  // the TCP checksum field's offset when the device finishes checksums.
  private readonly txPlain: { src: number; dontFragment: boolean; gsoSize: number } = { src: 0, dontFragment: true, gsoSize: 0 };
  private readonly txOffload: { src: number; dontFragment: boolean; gsoSize: number; l4ChecksumOffset: number } = {
    src: 0, dontFragment: true, gsoSize: 0, l4ChecksumOffset: TCP_CHECKSUM_OFFSET,
  };
  private readonly out: TcpOutput = { emit: (seg) => this.emitFor(this.txConn!, seg) };
  /** The resolve function `takeResolve` was last handed (taken at once by `connect`). */
  private taken: ConnectSettle | null = null;
  /** A promise executor that only hands its resolve out: no closure per connect. */
  private readonly takeResolve = (resolve: ConnectSettle): void => {
    this.taken = resolve;
  };
  /** What `openOptions` fills for every connect and accepted SYN. */
  private readonly openOpts: { localPort: number; remotePort: number; iss: number; config: ResolvedTcpConfig; tsOffset: number; mtu: number; gsoMaxSize: number };

  constructor(
    private readonly ip: IpLayer,
    private readonly deps: TcpDeps,
    readonly config: ResolvedTcpLayerConfig,
  ) {
    this.connCfg = connectionConfig(config);
    this.openOpts = { localPort: 0, remotePort: 0, iss: 0, config: this.connCfg, tsOffset: 0, mtu: 0, gsoMaxSize: 0 };
    this.isnSecret = secret(deps.random);
    this.tsSecret = secret(deps.random);
    this.ports = new EphemeralPorts(config.ephemeralMin, config.ephemeralMax, secret(deps.random), secret(deps.random));
    this.cookies = new SynCookies(secret(deps.random));
    this.table = new TupleTable<Entry>(deps.random.u32());
    this.timers = new DeadlineQueue<Conn>(deps.scheduler, (c, now) => this.onDeadline(c, now));
    this.timeWaits = new TimeWaitList(deps.scheduler, (tw, now) => this.pollTimeWait(tw, now));
  }

  get connectionCount(): number {
    return this.table.size;
  }

  // ---------------------------------------------------------------- open

  listen(port: number, onFlow: (flow: Flow) => void, options: ListenOptions = {}): ListenerImpl {
    if (this.closed) throw new StackError('ERR_CLOSED', 'tcp: listen after close');
    if (!validPort(port, 1)) throw new StackError('ERR_INVALID_ARGUMENT', `tcp: listen port must be an integer 1..65535, got ${String(port)}`);
    if (typeof onFlow !== 'function') throw new StackError('ERR_INVALID_ARGUMENT', 'tcp: listen needs an onFlow function');
    const backlog = options.backlog ?? this.config.backlog;
    if (!Number.isInteger(backlog) || backlog < 0 || backlog > 1_000_000) {
      throw new StackError('ERR_INVALID_ARGUMENT', `tcp: backlog must be an integer 0..1000000, got ${String(backlog)}`);
    }
    const address = options.address ?? null;
    if (address !== null && !this.ip.isLocal(address)) throw new StackError('ERR_INVALID_ARGUMENT', `tcp: cannot listen on ${formatIpv4(address)}: not one of our addresses`);
    if (this.listeners.has(port)) throw new StackError('ERR_PORT_IN_USE', `tcp: port ${port} is already listening`);
    const l = new ListenerImpl(this, port, address, backlog, onFlow);
    this.listeners.set(port, l);
    return l;
  }

  connect(dst: number, port: number, options?: ConnectOptions): Promise<{ flow: TcpFlow; error?: undefined } | { error: ConnectError; flow?: undefined }> {
    if (this.closed) throw new StackError('ERR_CLOSED', 'tcp: connect after close');
    if (typeof dst !== 'number' || !Number.isInteger(dst) || dst < 0 || dst > 0xffff_ffff) {
      throw new StackError('ERR_INVALID_ARGUMENT', `tcp: destination must be an IPv4 address (integer 0..2^32-1), got ${String(dst)}`);
    }
    if (!validPort(port, 1)) throw new StackError('ERR_INVALID_ARGUMENT', `tcp: destination port must be an integer 1..65535, got ${String(port)}`);
    const timeout = options?.timeout;
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `tcp: connect timeout must be a positive number of ms, got ${String(timeout)}`);
    }
    const src = this.ip.source(dst);
    if (src === undefined) {
      this.stats.attemptFails++;
      return Promise.resolve({ error: 'unreachable' });
    }
    if (this.table.size >= this.config.maxConnections) {
      throw new StackError('ERR_LIMIT', `tcp: ${this.table.size} connections open, maxConnections is ${this.config.maxConnections}`);
    }
    let local = options?.localPort ?? 0;
    if (local !== 0) {
      if (!validPort(local, 1)) throw new StackError('ERR_INVALID_ARGUMENT', `tcp: localPort must be an integer 1..65535, got ${String(local)}`);
      if (this.table.has(src, local, dst, port)) throw new StackError('ERR_PORT_IN_USE', `tcp: ${formatIpv4(src)}:${local} to ${formatIpv4(dst)}:${port} is in use`);
    } else {
      local = this.ports.pick(src, dst, port, this);
      if (local < 0) {
        throw new StackError('ERR_NO_PORTS', `tcp: every ephemeral port (${this.config.ephemeralMin}..${this.config.ephemeralMax}) toward ${formatIpv4(dst)}:${port} is in use`);
      }
    }
    const now = this.deps.scheduler.now();
    const off = this.ip.offloads?.(dst);
    const engine = TcpConnection.connect(this.openOptions(src, local, dst, port, now, off));
    const c = new Conn(engine, src, local, dst, port, off?.txChecksumOffload ?? false);
    if (timeout !== undefined) c.connectDeadline = now + timeout;
    this.table.add(c);
    this.stats.activeOpens++;
    // The executor only hands its resolve out: no closure per connect.
    const settled = new Promise<ConnectResult>(this.takeResolve);
    c.connectSettle = this.taken;
    this.taken = null;
    this.service(c, now);
    return settled;
  }

  /**
   * The open options of a new connection (its ISS by RFC 6528, its
   * timestamp offset, route MTU and GSO size), in one object reused for
   * every open: the engine reads it while it builds the connection and
   * keeps none of it.
   */
  private openOptions(local: number, localPort: number, remote: number, remotePort: number, now: number, off: IpOffloads | undefined): TcpOpenOptions {
    const o = this.openOpts;
    o.localPort = localPort;
    o.remotePort = remotePort;
    o.iss = tcpIsn(this.isnSecret, local, localPort, remote, remotePort, now);
    o.tsOffset = this.tsOffset(local, localPort, remote, remotePort);
    o.mtu = this.ip.mtu(remote);
    o.gsoMaxSize = gsoOf(off);
    return o;
  }

  /** An ephemeral port candidate for `connect`: not a listening port, and the 4-tuple not in use. */
  portFree(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): boolean {
    return !this.listeners.has(localPort) && !this.table.has(localAddr, localPort, remoteAddr, remotePort);
  }

  /** RFC 7323 §5.4: a per-connection offset for our timestamps, a keyed hash of the 4-tuple (as Linux). */
  private tsOffset(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): number {
    return tcpIsn(this.tsSecret, localAddr, localPort, remoteAddr, remotePort, 0);
  }

  // ---------------------------------------------------------------- receive

  input(payload: Uint8Array, info: IpRxInfo): void {
    if (this.closed) return;
    this.stats.rx++;
    const bad = checkTcp(payload, info.src, info.dst, !info.checksumVerified);
    if (bad !== null) {
      this.drop(bad.kind);
      return;
    }
    if (info.broadcast) {
      this.drop('broadcast'); // RFC 1122 §4.2.3.10: TCP is unicast only
      return;
    }
    const seg = this.seg;
    const optErr = seg.readFrom(payload);
    if (optErr !== null) {
      this.drop(optErr.kind);
      return;
    }
    const now = this.deps.scheduler.now();
    const c = this.table.get(info.dst, seg.dstPort, info.src, seg.srcPort);
    if (c instanceof TimeWait) {
      if (this.reopens(seg, info.dst, c)) this.endTimeWait(c);
      else {
        c.input(seg, now);
        this.pollTimeWait(c, now);
        return;
      }
    } else if (c !== undefined) {
      const l = c.listener;
      // Linux's ListenOverflows: the ACK completing a handshake when the accept queue is full is dropped;
      // the connection stays half-open and its SYN-ACK goes again, so the client retries.
      if (l !== null && l.full && c.engine.state === TcpState.SYN_RECEIVED && (seg.flags & (F.ACK | F.SYN | F.RST)) === F.ACK) {
        this.drop('listenOverflow');
        return;
      }
      if (this.reopens(seg, info.dst, c.engine)) this.retire(c, null);
      else {
        c.engine.input(seg, now);
        this.service(c, now);
        return;
      }
    }
    this.noConnection(seg, info, now);
  }

  /**
   * RFC 9293 §3.10.7.4 / RFC 6191: whether `seg`, a SYN for a tuple in
   * TIME-WAIT (`tw`: the full connection or its compact record), toward a
   * listener, starts a new connection: its timestamp (or, without
   * timestamps, its sequence number) is newer, as Linux decides. The caller
   * then ends the old one and the SYN goes to the listener.
   */
  private reopens(seg: SegmentIn, dst: number, tw: { acceptsNewSyn(syn: SegmentIn): boolean }): boolean {
    return (seg.flags & (F.SYN | F.ACK | F.RST)) === F.SYN && tw.acceptsNewSyn(seg) && this.listenerFor(seg.dstPort, dst) !== undefined;
  }

  /** A segment that matches no connection: a listener's (RFC 9293 §3.10.7.2), or CLOSED (§3.10.7.1). */
  private noConnection(seg: SegmentIn, info: IpRxInfo, now: number): void {
    const l = this.listenerFor(seg.dstPort, info.dst);
    if (l === undefined) {
      this.drop('noListener');
      this.reset(seg, info);
      return;
    }
    switch (listenerInput(seg)) {
      case 'drop':
        this.drop('listenDrop');
        return;
      case 'reset':
        if (l.cookiesAt > -Infinity && now - l.cookiesAt < 2 * COOKIE_SLOT_MS && this.fromCookie(l, seg, info, now)) return;
        this.drop('listenDrop');
        this.reset(seg, info);
        return;
      case 'accept':
        this.onSyn(l, seg, info, now);
        return;
    }
  }

  private onSyn(l: ListenerImpl, seg: SegmentIn, info: IpRxInfo, now: number): void {
    if (l.full) {
      this.drop('listenOverflow');
      return;
    }
    if (this.table.size >= this.config.maxConnections) {
      this.drop('connectionLimit');
      return;
    }
    const mode = this.config.synCookies;
    if (mode === 'always' || (mode === 'auto' && l.synQueue >= this.config.synBacklog)) {
      this.sendCookie(l, seg, info, now);
      return;
    }
    if (l.synQueue >= this.config.synBacklog) {
      this.drop('synQueueFull');
      return;
    }
    const local = info.dst;
    const off = this.ip.offloads?.(info.src);
    const engine = TcpConnection.accept(seg, this.openOptions(local, seg.dstPort, info.src, seg.srcPort, now, off));
    const c = new Conn(engine, local, seg.dstPort, info.src, seg.srcPort, off?.txChecksumOffload ?? false);
    c.listener = l;
    c.halfOpen = true;
    l.synQueue++;
    this.table.add(c);
    this.stats.passiveOpens++;
    this.service(c, now);
  }

  /**
   * Answers a SYN without keeping state (RFC 4987 §3.6): the ISN is the
   * cookie; window scale and SACK-permitted ride in our TSval when the SYN
   * had timestamps, else they are not offered (they could not be recalled).
   */
  private sendCookie(l: ListenerImpl, seg: SegmentIn, info: IpRxInfo, now: number): void {
    const cfg = this.config;
    const o = seg.options;
    const local = info.dst;
    const peerMss = o.mss >= 0 ? o.mss : 536;
    const iss = this.cookies.isn(local, seg.dstPort, info.src, seg.srcPort, seg.seq, SynCookies.mssIndex(peerMss), now);
    const ts = cfg.timestamps && o.hasTimestamps;
    const ws = ts && cfg.windowScaling && o.windowScale >= 0;
    const sack = ts && cfg.sack && o.sackPermitted;
    const options: { -readonly [K in keyof TcpOptions]: TcpOptions[K] } = { mss: Math.max(Math.min(cfg.mss, this.ip.mtu(info.src) - 40), 64) };
    if (ts) {
      const tsNow = (Math.floor(now) + this.tsOffset(local, seg.dstPort, info.src, seg.srcPort)) >>> 0;
      options.timestamps = { value: SynCookies.encodeTsval(tsNow, ws ? o.windowScale : -1, sack), echo: o.tsValue };
    }
    if (ws) options.windowScale = windowScaleFor(cfg.recvBufferSize);
    if (sack) options.sackPermitted = true;
    const out = this.cookieSeg;
    out.srcPort = seg.dstPort;
    out.dstPort = seg.srcPort;
    out.seq = iss;
    out.ack = (seg.seq + 1) >>> 0;
    out.flags = F.SYN | F.ACK;
    out.window = Math.min(cfg.recvBufferSize, 0xffff);
    out.urgentPointer = 0;
    out.options = options;
    out.payloadLength = 0;
    l.cookiesAt = now;
    this.stats.synCookiesSent++;
    this.send(out, info.src, { src: local, dontFragment: true });
  }

  /**
   * An ACK for a listener that has sent cookies lately: when it carries a
   * good cookie, the connection is made from it, ESTABLISHED at once.
   * Returns false when it does not (the caller answers as LISTEN does).
   */
  private fromCookie(l: ListenerImpl, seg: SegmentIn, info: IpRxInfo, now: number): boolean {
    if ((seg.flags & (F.SYN | F.RST | F.ACK)) !== F.ACK) return false;
    const local = info.dst;
    const peerIsn = (seg.seq - 1) >>> 0;
    const mss = this.cookies.check(local, seg.dstPort, info.src, seg.srcPort, peerIsn, seg.ack, now);
    if (mss < 0) {
      this.stats.synCookiesFailed++;
      return false;
    }
    if (l.full) {
      this.drop('listenOverflow');
      return true;
    }
    if (this.table.size >= this.config.maxConnections) {
      this.drop('connectionLimit');
      return true;
    }
    const o = seg.options;
    const ts = this.config.timestamps && o.hasTimestamps;
    const carried = ts ? SynCookies.decodeTsecr(o.tsEcho) : { windowScale: -1, sackPermitted: false };
    const off = this.ip.offloads?.(info.src);
    const engine = TcpConnection.restore(seg, {
      localPort: seg.dstPort, remotePort: seg.srcPort, iss: (seg.ack - 1) >>> 0, config: this.connCfg,
      tsOffset: this.tsOffset(local, seg.dstPort, info.src, seg.srcPort), mtu: this.ip.mtu(info.src), gsoMaxSize: gsoOf(off),
      irs: peerIsn, peerMss: mss, peerWindowScale: carried.windowScale, sackPermitted: carried.sackPermitted, timestamps: ts,
    }, now);
    const c = new Conn(engine, local, seg.dstPort, info.src, seg.srcPort, off?.txChecksumOffload ?? false);
    this.table.add(c);
    this.stats.passiveOpens++;
    this.stats.synCookiesValid++;
    if (l.paused) {
      c.listener = l;
      l.acceptQueue.push(c);
    } else this.deliver(l, c);
    this.service(c, now);
    return true;
  }

  private listenerFor(port: number, dst: number): ListenerImpl | undefined {
    const l = this.listeners.get(port);
    return l !== undefined && (l.address === null || l.address === dst) ? l : undefined;
  }

  /** RST for a segment no connection wants (RFC 9293 §3.10.7.1), from the address it was sent to. */
  private reset(seg: SegmentIn, info: IpRxInfo): void {
    if (!this.config.sendResets || !resetFor(seg, this.rstSeg)) return;
    this.stats.outRsts++;
    this.send(this.rstSeg, info.src, { src: info.dst });
  }

  /**
   * An ICMP error quoting one of our segments (RFC 1122 §4.2.3.9, RFC 5927):
   * only when its sequence number is one we sent. Fragmentation needed
   * lowers the connection's MSS (RFC 1191) in any state. Port or protocol
   * unreachable during the handshake refuses the connect; other
   * unreachables then are soft errors, reported if the connect times out.
   * In synchronized states they are ignored (RFC 5461 §4, as Linux).
   */
  error(err: IpErrorInfo): void {
    if (this.closed) return;
    this.stats.icmpErrors++;
    const q = err.quoted;
    const c = q.length >= 8 ? this.table.get(err.src, readU16(q, 0), err.dst, readU16(q, 2)) : undefined;
    // TIME-WAIT has nothing in flight (the full engine's sentSequence is false there too).
    if (c === undefined || c instanceof TimeWait || err.kind !== 'unreachable' || !c.engine.sentSequence(readU32(q, 4))) {
      this.stats.icmpIgnored++;
      return;
    }
    if (err.code === 4) {
      // Fragmentation needed (RFC 1191 §6.3): IP has lowered its path MTU already; take the smaller of the two.
      const now = this.deps.scheduler.now();
      const pathMtu = this.ip.mtu(c.remoteAddr);
      c.engine.pathMtuChanged(err.mtu > 0 ? Math.min(err.mtu, pathMtu) : pathMtu, now);
      this.stats.pmtuUpdates++;
      this.service(c, now);
      return;
    }
    if (c.engine.state !== TcpState.SYN_SENT) {
      this.stats.icmpIgnored++; // RFC 5461 §4: soft in synchronized states
      return;
    }
    if (err.code === 2 || err.code === 3) this.fail(c, 'refused');
    else c.softError = 'unreachable';
  }

  // ---------------------------------------------------------------- service

  /**
   * Lets a connection send what it owes, hands over what changed (a
   * connect's result, a listener's new flow, a flow's reads and writes),
   * and sets its timer: the one place an engine is polled. Re-entry for the
   * same connection (an `onFlow` that writes at once) is folded into the
   * running pass.
   */
  private service(c: Conn, now: number): void {
    if (c.retired) return;
    if (c.busy) {
      c.again = true;
      return;
    }
    const e = c.engine;
    const out = this.out;
    c.busy = true;
    // poll, transitions and notify do not throw (onFlow's errors are caught in deliver); the finally keeps a
    // bug from leaving the connection marked busy, and so never serviced again.
    try {
      for (let round = 0; round < SERVICE_ROUNDS; round++) {
        c.again = false;
        this.txConn = c;
        e.poll(now, out);
        this.txConn = null;
        if (c.connectSettle !== null || c.halfOpen) this.transitions(c);
        const flow = c.flow;
        if (flow !== null && flow.notify()) c.again = true;
        if (!c.again || c.retired) break;
      }
    } finally {
      c.busy = false;
      this.txConn = null;
    }
    if (c.retired) return;
    if (e.state === TcpState.CLOSED) {
      this.retire(c, null);
      return;
    }
    if (e.state === TcpState.TIME_WAIT) {
      if (c.flow !== null) this.releaseFlow(c);
      if (c.flow === null && this.compact(c)) return;
    }
    const d = e.nextDeadline();
    // -Infinity after a poll means a segment could not go out: look again shortly rather than spin.
    const cd = c.connectDeadline;
    this.timers.set(c, d === -Infinity ? Math.min(now + 1, cd) : d < cd ? d : cd);
  }

  /**
   * Lets go of a connection's flow in TIME-WAIT once nothing of it waits:
   * both FINs are through, so reads answer at once and writes are over, and
   * the flow needs no more calls from the layer. A busy server holds many
   * connections in TIME-WAIT; this way each holds less (the application
   * keeps the flow alive as long as it wants it: the flow keeps its `Conn`).
   */
  private releaseFlow(c: Conn): void {
    const p = c.flow!.pending;
    if (p.reads > 0 || p.writes > 0) return;
    c.flow = null;
    c.flowReleased = true;
  }

  /**
   * Swaps a connection in TIME-WAIT for a compact record (Linux's
   * inet_timewait_sock) once nothing of it waits: its flow let go, nothing
   * unread, nothing to send. The record takes its place in the table and
   * answers as it would; the connection leaves the timer queue, and the
   * layer keeps nothing of it (a flow the application still holds keeps it,
   * frozen in TIME-WAIT: reads give EOF, writes throw, abort ends the record).
   */
  private compact(c: Conn): boolean {
    const e = c.engine;
    if (e.readable > 0 || c.listener !== null || c.connectSettle !== null || !e.canCompactTimeWait()) return false;
    const tw = new TimeWait(c.localAddr, c.remoteAddr, c.checksumOffload, c.flowReleased);
    if (!e.compactTimeWait(tw)) return false; // not after canCompactTimeWait
    this.table.replace(c, tw);
    this.timers.remove(c);
    c.retired = true;
    if (c.flowReleased) c.timeWait = tw;
    this.timeWaits.add(tw);
    return true;
  }

  /** Sends what a TIME-WAIT record owes, or takes it out once it ended (its deadline, an RST). */
  private pollTimeWait(tw: TimeWait, now: number): void {
    const before = tw.expires;
    this.txConn = tw;
    try {
      tw.poll(now, this.out);
    } finally {
      this.txConn = null;
    }
    if (tw.state === TcpState.CLOSED) this.endTimeWait(tw);
    else if (tw.expires !== before) this.timeWaits.moved(tw);
  }

  /** Takes a TIME-WAIT record out of the table and the list, ended (without error unless it was aborted). */
  private endTimeWait(tw: TimeWait): void {
    tw.close();
    this.table.delete(tw);
    this.timeWaits.remove(tw);
  }

  /** Handshake outcomes: a connect settles, a half-open connection leaves the SYN queue. */
  private transitions(c: Conn): void {
    const s = c.engine.state;
    if (c.connectSettle !== null && s !== TcpState.SYN_SENT && s !== TcpState.SYN_RECEIVED) {
      const settle = c.connectSettle;
      c.connectSettle = null;
      c.connectDeadline = Infinity; // the connect timeout is over once the connect is
      if (s === TcpState.CLOSED) this.connectFailed(c, settle);
      else {
        c.flow = new TcpFlow(c, this);
        settle({ flow: c.flow });
      }
    }
    if (c.halfOpen && s !== TcpState.SYN_RECEIVED) {
      const l = c.listener!;
      c.halfOpen = false;
      l.synQueue--;
      if (s === TcpState.CLOSED) return;
      if (l.paused) l.acceptQueue.push(c);
      else this.deliver(l, c);
    }
  }

  private connectFailed(c: Conn, settle: ConnectSettle): void {
    this.stats.attemptFails++;
    settle({ error: this.connectError(c) });
  }

  private connectError(c: Conn): ConnectError {
    const err = c.failed ?? c.engine.error;
    if (err === 'refused') return 'refused';
    if (err === 'timeout') return c.softError ?? 'timeout';
    if (err === null) return 'reset';
    return err === 'aborted' ? 'reset' : err;
  }

  deliver(l: ListenerImpl, c: Conn): void {
    c.listener = null;
    if (c.retired) return;
    const flow = new TcpFlow(c, this);
    c.flow = flow;
    try {
      l.onFlow(flow);
    } catch {
      this.stats.handlerErrors++;
      flow.abort();
    }
  }

  kick(c: Conn): void {
    const tw = c.timeWait;
    if (tw !== null) {
      // Compacted: only an abort through the flow matters (its engine, frozen in TIME-WAIT, is now CLOSED).
      if (c.engine.state !== TcpState.CLOSED) return;
      c.timeWait = null;
      if (tw.state === TcpState.CLOSED) return; // the record ended already
      this.endTimeWait(tw);
      this.flowEnded(c.engine.error);
      return;
    }
    this.service(c, this.deps.scheduler.now());
  }

  private onDeadline(c: Conn, now: number): void {
    if (now >= c.connectDeadline && c.connectSettle !== null) {
      this.fail(c, 'timeout');
      return;
    }
    this.service(c, now);
  }

  /** Ends a connection the engine still holds (ICMP hard error, connect timeout): no segment goes out. */
  private fail(c: Conn, error: 'refused' | 'timeout'): void {
    c.failed = error;
    this.retire(c, error);
  }

  /** Takes a connection out of the table and settles everyone waiting on it. */
  private retire(c: Conn, error: 'refused' | 'timeout' | 'aborted' | null): void {
    if (c.retired) return;
    c.retired = true;
    if (error !== null && c.failed === null) c.failed = error;
    this.table.delete(c);
    this.timers.remove(c);
    const e = c.engine;
    if (c.connectSettle !== null) {
      const settle = c.connectSettle;
      c.connectSettle = null;
      this.connectFailed(c, settle);
    }
    const l = c.listener;
    if (l !== null) {
      if (c.halfOpen) l.synQueue--;
      const i = l.acceptQueue.indexOf(c);
      if (i >= 0) l.acceptQueue.splice(i, 1);
      c.listener = null;
      c.halfOpen = false;
    }
    if (c.flow !== null || c.flowReleased) {
      this.flowEnded(e.error);
      c.flow?.notify();
    }
  }

  /**
   * Counts the end, with `error`, of a connection whose flow the application
   * was handed: reset or aborted, it is one of `estabResets`, whether it
   * ends as a full connection or as its compact TIME-WAIT record.
   */
  private flowEnded(error: TcpError | null): void {
    if (error === 'reset' || error === 'aborted') this.stats.estabResets++;
  }

  // ---------------------------------------------------------------- transmit

  /** One of a connection's segments: GSO size and checksum offload as the connection's route allows. */
  private emitFor(c: Route, seg: SegmentOut): boolean {
    const o = c.checksumOffload ? this.txOffload : this.txPlain;
    o.src = c.localAddr;
    o.gsoSize = seg.gsoSize;
    this.txPartial = c.checksumOffload;
    const sent = this.send(seg, c.remoteAddr, o);
    this.txPartial = false;
    return sent;
  }

  /** Writes one segment through IP. A segment IP refuses counts as lost: the retransmission timer covers it. */
  private send(seg: SegmentOut, dst: number, options: IpWriteOptions): boolean {
    this.txSeg = seg;
    const headerLen = tcpHeaderLen(seg);
    this.txHeaderLen = headerLen;
    const err = this.ip.write(dst, PROTOCOL_TCP, headerLen + seg.payloadLength, this.txFill, options);
    this.txSeg = null;
    if (err === null) this.stats.tx++;
    else this.stats.txErrors++;
    return true;
  }

  // ---------------------------------------------------------------- listeners, inspection, close

  unlisten(l: ListenerImpl): void {
    if (l.closed) return;
    l.closed = true;
    if (this.listeners.get(l.port) === l) this.listeners.delete(l.port);
    // Half-open and queued connections were never handed over: reset them.
    for (const c of this.table.values()) {
      if (!(c instanceof TimeWait) && c.listener === l) this.abortConn(c);
    }
  }

  private abortConn(c: Conn): void {
    c.engine.abort();
    this.txConn = c;
    c.engine.poll(this.deps.scheduler.now(), this.out); // the RST
    this.txConn = null;
    this.retire(c, 'aborted');
  }

  connections(): TcpConnectionSnapshot[] {
    const out: TcpConnectionSnapshot[] = [];
    for (const l of this.listeners.values()) {
      out.push({
        local: `${l.address === null ? '0.0.0.0' : formatIpv4(l.address)}:${l.port}`, remote: '*', state: TcpState.LISTEN,
        synQueue: l.synQueue, acceptQueue: l.acceptQueue.length, backlog: l.backlog, paused: l.paused,
      });
    }
    for (const c of this.table.values()) {
      if (c instanceof TimeWait) {
        out.push({
          local: `${formatIpv4(c.localAddr)}:${c.localPort}`, remote: `${formatIpv4(c.remoteAddr)}:${c.remotePort}`,
          ...c.info(), ...(c.hadFlow ? { pending: { ...NOTHING_PENDING } } : {}),
        });
        continue;
      }
      const { localPort: _l, remotePort: _r, ...info } = c.engine.info();
      out.push({
        local: `${formatIpv4(c.localAddr)}:${c.localPort}`, remote: `${formatIpv4(c.remoteAddr)}:${c.remotePort}`,
        ...info, state: info.state, ...(c.flow !== null ? { pending: c.flow.pending } : c.flowReleased ? { pending: { ...NOTHING_PENDING } } : {}),
      });
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of [...this.listeners.values()]) this.unlisten(l);
    for (const c of this.table.values()) {
      if (!(c instanceof TimeWait)) this.abortConn(c);
      else {
        c.abort(); // a flow the application kept sees 'aborted', as before
        if (c.hadFlow) this.flowEnded(c.error);
      }
    }
    this.table.clear();
    this.timers.clear();
    this.timeWaits.clear();
  }

  private drop(reason: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
  }
}

/**
 * Creates the TCP layer (RFC 9293) over `ip` and registers it for protocol 6:
 * 4-tuple demux, listeners with SYN and accept queues, connects with RFC 6056
 * ephemeral ports and RFC 6528 ISNs, RSTs for segments nobody wants, ICMP
 * errors turning a connect into 'refused' or 'unreachable'. Every
 * connection's timers sit behind one scheduler timer, and the compact
 * TIME-WAIT records behind one more (never a timer per connection). Throws
 * ERR_INVALID_CONFIG on a bad config.
 */
export function createTcp(ip: IpLayer, deps: TcpDeps, config?: TcpLayerConfig): Tcp {
  const layer = new TcpLayerImpl(ip, deps, resolveTcpLayerConfig(config));
  ip.register(PROTOCOL_TCP, layer);
  return layer;
}

import {
  StackError,
  type ArpLayer,
  type Cancel,
  type Counters,
  type EthernetLayer,
  type EthernetRxInfo,
  type IcmpErrorSender,
  type IpErrorInfo,
  type IpFill,
  type IpLayer,
  type IpOffloads,
  type IpProtocolHandler,
  type IpRxInfo,
  type IpWriteError,
  type IpWriteOptions,
  type Ipv4Address,
  type Ipv4Cidr,
  type Ipv4Config,
  type Ipv4Route,
  type Random,
  type Scheduler,
  type TxMeta,
} from '@stack/interfaces';
import {
  EtherType, IPV4_BROADCAST, IpProtocol, MAC_BROADCAST, broadcastOf, completePartialChecksum, isIpv4Multicast, isMacMulticast, multicastMac, readU16,
  readU32,
} from '@stack/wire';
import { resolveIpv4Config, type ResolvedIpv4Config } from './config.js';
import { IdentGenerator } from './ident.js';
import { PathMtuCache } from './pmtu.js';
import { Reassembler, type ReassemblyDropReason, type ReassemblySnapshot } from './reassembly.js';
import { RouteTable } from './routes.js';
import { FRAGMENT_UNIT, IPV4_MAX_DATAGRAM, IPV4_MIN_HEADER_LEN, Ipv4Field as F, Ipv4Flags } from './wire/fields.js';
import { validateIpv4Header, writeIpv4Header } from './wire/header.js';

/** What `createIpv4` needs besides the layers below: time and randomness. */
export interface Ipv4Deps {
  readonly scheduler: Scheduler;
  readonly random: Random;
}

/**
 * Counters of the IPv4 layer. `rx` counts every packet handed in (each
 * fragment too, like ipInReceives); `delivered` datagrams handed to a
 * protocol; `tx` datagrams sent (a fragmented one once); `fragmentsOut` the
 * fragments that carried them. Drop reasons are listed in the README.
 */
export interface Ipv4Stats {
  rx: number;
  tx: number;
  delivered: number;
  fragmentsIn: number;
  fragmentsOut: number;
  reassembled: number;
  dropped: Counters;
}

/** `Ipv4Layer.inspect()`: plain JSON. */
export interface Ipv4Snapshot {
  readonly address: Ipv4Cidr;
  readonly routes: Ipv4Route[];
  readonly groups: Ipv4Address[];
  readonly pathMtu: { dst: Ipv4Address; mtu: number; expires: number }[];
  readonly reassembly: ReassemblySnapshot[];
}

/** The IPv4 layer of @stack: the `IpLayer` contract plus multicast groups, route removal and `inspect()`. */
export interface Ipv4Layer extends IpLayer {
  /** The resolved configuration. */
  readonly config: ResolvedIpv4Config;
  readonly stats: Ipv4Stats;
  /** Accepts datagrams to a multicast group (and its MAC on Ethernet). 224.0.0.1 is always accepted. */
  joinGroup(group: Ipv4Address): void;
  leaveGroup(group: Ipv4Address): void;
  /** Groups joined (224.0.0.1 not listed). */
  groups(): Ipv4Address[];
  /**
   * What the device offloads, for a destination we have a route to (our own
   * address included: the loopback path sends GSO datagrams whole): its
   * `gsoMaxSize` (capped at 65535) and `txChecksumOffload`. One frozen
   * object per layer; `{ gsoMaxSize: 0, txChecksumOffload: false }` without
   * a route.
   */
  offloads(dst: Ipv4Address): IpOffloads;
  /** Removes the route to `destination` (of `metric`, or any). True if one was removed. */
  removeRoute(destination: Ipv4Cidr, metric?: number): boolean;
  inspect(): Ipv4Snapshot;
}

/** 224.0.0.1, the all-hosts group every host belongs to (RFC 1112 §4). */
export const ALL_HOSTS_GROUP: Ipv4Address = 0xe0000001;

const DROP_REASONS = [
  'truncated',
  'malformed',
  'checksum',
  'version',
  'notForUs',
  'badSource',
  'noProtocol',
  'fragmentOverlap',
  'fragmentDuplicate',
  'reassemblyTimeout',
  'reassemblyLimit',
  'tooBig',
  'noRoute',
  'txFailed',
  'closed',
] as const;

const REASSEMBLY_DROP: Record<ReassemblyDropReason, (typeof DROP_REASONS)[number]> = {
  duplicate: 'fragmentDuplicate',
  overlap: 'fragmentOverlap',
  limit: 'reassemblyLimit',
  malformed: 'malformed',
};

/** `IpRxInfo` with writable fields: the one a layer reuses for every datagram it hands up. */
type MutableRxInfo = { -readonly [K in keyof IpRxInfo]: IpRxInfo[K] };

const EMPTY = new Uint8Array(0);

/** What a route without a device, or a device without offloads, can do. */
const NO_OFFLOADS: IpOffloads = Object.freeze({ gsoMaxSize: 0, txChecksumOffload: false });

function newRxInfo(): MutableRxInfo {
  return { src: 0, dst: 0, protocol: 0, ttl: 0, tos: 0, broadcast: false, linkBroadcast: false, packet: EMPTY, headerLength: 0, checksumVerified: false };
}

function isLoopbackNet(addr: Ipv4Address): boolean {
  return addr >>> 24 === 127;
}

function checkByte(name: string, v: number, min: number): void {
  if (!(Number.isInteger(v) && v >= min && v <= 255)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `${name} ${String(v)} (allowed: an integer ${min}..255)`);
  }
}

class Ipv4LayerImpl implements Ipv4Layer {
  readonly config: ResolvedIpv4Config;
  readonly addresses: readonly Ipv4Cidr[];
  readonly stats: Ipv4Stats;

  private readonly eth: EthernetLayer;
  private readonly arp: ArpLayer;
  private readonly scheduler: Scheduler;
  private readonly handlers: (IpProtocolHandler | undefined)[] = new Array<IpProtocolHandler | undefined>(256).fill(undefined);
  private readonly routeTable = new RouteTable();
  private readonly pmtu: PathMtuCache;
  private readonly reasm: Reassembler;
  private readonly joined = new Set<Ipv4Address>();
  private readonly ourAddress: Ipv4Address;
  /** Our directed broadcast, or -1 for a /31 or /32 (no broadcast, RFC 3021). */
  private readonly directedBroadcast: number;
  private errorSender: IcmpErrorSender | null = null;
  private closed = false;
  private readonly ident: IdentGenerator;
  /**
   * The info handed to protocol handlers, reused for every datagram (it is
   * valid during the callback only, as `IpRxInfo` says). `rxBusy` is set
   * while a handler runs: a datagram handed up from inside it gets a fresh one.
   */
  private readonly rxInfo: MutableRxInfo = newRxInfo();
  private rxBusy = false;

  private timerCancel: Cancel | null = null;
  private timerAt: number | undefined = undefined;
  private loopQueue: Uint8Array[] = [];
  private loopCancel: Cancel | null = null;

  // State of the write in progress, read by the two fill functions below so
  // that no closure is built per packet. Lower layers call fill during write.
  private txFill: IpFill | null = null;
  private txSrc = 0;
  private txDst = 0;
  private txProtocol = 0;
  private txTtl = 0;
  private txTos = 0;
  private txId = 0;
  private txFlags = 0;
  private txFragOffset = 0;
  private txFragLength = 0;
  private txMac = -1;
  private txNextHop = 0;
  /** The offload meta of the write in progress (one of the two below), or undefined. */
  private txMeta: TxMeta | undefined = undefined;
  /** Meta for a write with checksum offload (GSO or not): reused, so a write allocates nothing. */
  private readonly csumMeta: { checksumStart: number; checksumOffset: number; gsoSize: number } = { checksumStart: IPV4_MIN_HEADER_LEN, checksumOffset: 0, gsoSize: 0 };
  /** Meta for a GSO write whose transport wrote the full checksum. */
  private readonly gsoMeta: { gsoSize: number } = { gsoSize: 0 };
  /** What the device below offloads (fixed for the layer's life). */
  private readonly deviceOffloads: IpOffloads;
  /** Where a datagram to be fragmented is filled once; grown as needed, 64 KiB at most. */
  private scratch = new Uint8Array(0);

  constructor(eth: EthernetLayer, arp: ArpLayer, deps: Ipv4Deps, config: Ipv4Config) {
    this.config = resolveIpv4Config(config);
    this.eth = eth;
    this.arp = arp;
    this.scheduler = deps.scheduler;
    this.ourAddress = this.config.address.address;
    this.addresses = [{ ...this.config.address }];
    this.directedBroadcast = this.config.address.prefix <= 30 ? broadcastOf(this.config.address) : -1;
    // RFC 7739 §5: per-destination counters behind a keyed hash, so ids
    // seen by one destination do not predict those sent to another.
    this.ident = new IdentGenerator(deps.random);
    this.pmtu = new PathMtuCache({ minPathMtu: this.config.minPathMtu, timeout: this.config.pathMtuTimeout, maxEntries: this.config.pathMtuCacheSize });
    this.reasm = new Reassembler({
      maxDatagrams: this.config.reassemblyMaxDatagrams,
      maxBytes: this.config.reassemblyMaxBytes,
      timeout: this.config.reassemblyTimeout,
      maxDatagramSize: this.config.maxDatagramSize,
    });
    const dropped: Counters = {};
    for (const r of DROP_REASONS) dropped[r] = 0;
    this.stats = { rx: 0, tx: 0, delivered: 0, fragmentsIn: 0, fragmentsOut: 0, reassembled: 0, dropped };

    const caps = eth.capabilities;
    this.deviceOffloads =
      caps.gsoMaxSize > 0 || caps.txChecksumOffload
        ? Object.freeze({ gsoMaxSize: Math.min(caps.gsoMaxSize, IPV4_MAX_DATAGRAM), txChecksumOffload: caps.txChecksumOffload })
        : NO_OFFLOADS;

    this.routeTable.add({ destination: { ...this.config.address }, gateway: null, metric: 0 });
    if (this.config.gateway !== null) this.routeTable.add({ destination: { address: 0, prefix: 0 }, gateway: this.config.gateway, metric: 0 });

    eth.register(EtherType.IPv4, (payload, info) => this.input(payload, info));
    eth.joinMulticast(multicastMac(ALL_HOSTS_GROUP));
  }

  // ------------------------------------------------------------------ input

  input(packet: Uint8Array, info: EthernetRxInfo): void {
    if (this.closed) {
      this.stats.dropped['closed']!++;
      return;
    }
    // RFC 1122 §3.2.2: what came in a link-layer broadcast or multicast
    // frame (the group bit of the destination MAC) is never answered with
    // an ICMP error, whatever its IP destination says.
    this.receive(packet, info.meta.checksumVerified, info.meta.checksumPartial, isMacMulticast(info.dst), false);
  }

  /**
   * RFC 1122 §3.2.1: validate, filter by destination, reassemble, demux.
   * `looped`: our own datagram, from the loopback queue rather than the wire.
   */
  private receive(bytes: Uint8Array, verified: boolean, partial: boolean, linkBroadcast: boolean, looped: boolean): void {
    const stats = this.stats;
    stats.rx++;
    const err = validateIpv4Header(bytes, !verified);
    if (err !== null) {
      stats.dropped[err.kind === 'unsupported' ? 'version' : err.kind]!++;
      return;
    }
    const dst = readU32(bytes, F.DST);
    const broadcast = dst === IPV4_BROADCAST || dst === this.directedBroadcast || isIpv4Multicast(dst);
    if (!this.accepts(dst)) {
      stats.dropped['notForUs']!++;
      return;
    }
    // RFC 1122 §3.2.1.3: a source that is a broadcast, multicast or loopback
    // address is bogus; drop silently. So is our own address on a datagram
    // from the wire (spoofed, or our own frame reflected back): only the
    // loopback path carries datagrams we sent to ourselves.
    const src = readU32(bytes, F.SRC);
    if (
      src === IPV4_BROADCAST ||
      src === this.directedBroadcast ||
      isIpv4Multicast(src) ||
      isLoopbackNet(src) ||
      (src === this.ourAddress && src !== 0 && !looped)
    ) {
      stats.dropped['badSource']!++;
      return;
    }
    // Cut off link-layer padding; most datagrams have none, and a subarray
    // is one of the costlier steps of this path.
    const totalLength = readU16(bytes, F.TOTAL_LENGTH);
    let packet = bytes.length === totalLength ? bytes : bytes.subarray(0, totalLength);
    let l4Verified = verified || partial;
    if ((readU16(packet, F.FLAGS_FRAGMENT) & (Ipv4Flags.MF | Ipv4Flags.OFFSET_MASK)) !== 0) {
      stats.fragmentsIn++;
      const r = this.reasm.add(packet, this.scheduler.now(), verified, linkBroadcast);
      this.armTimer();
      if (r.status === 'held') return;
      if (r.status === 'dropped') {
        stats.dropped[REASSEMBLY_DROP[r.reason]]!++;
        return;
      }
      stats.reassembled++;
      packet = r.packet;
      l4Verified = r.checksumVerified;
      linkBroadcast = r.linkBroadcast;
    }
    this.deliver(packet, broadcast, linkBroadcast, l4Verified);
  }

  private accepts(dst: Ipv4Address): boolean {
    if (dst === this.ourAddress) return dst !== 0;
    if (dst === IPV4_BROADCAST || dst === this.directedBroadcast) return this.config.acceptBroadcast;
    if (isIpv4Multicast(dst)) return dst === ALL_HOSTS_GROUP || this.joined.has(dst);
    return false;
  }

  private deliver(packet: Uint8Array, broadcast: boolean, linkBroadcast: boolean, checksumVerified: boolean): void {
    const headerLength = (packet[F.VERSION_IHL]! & 0x0f) * 4;
    const protocol = packet[F.PROTOCOL]!;
    const handler = this.handlers[protocol];
    if (handler === undefined) {
      this.stats.dropped['noProtocol']!++;
      // RFC 1122 §3.2.2.1: protocol unreachable, never about a broadcast
      // (IP destination or link-layer frame, §3.2.2).
      if (!broadcast && !linkBroadcast) this.errorSender?.sendError('protocol-unreachable', packet);
      return;
    }
    this.stats.delivered++;
    const nested = this.rxBusy;
    const info = nested ? newRxInfo() : this.rxInfo;
    info.src = readU32(packet, F.SRC);
    info.dst = readU32(packet, F.DST);
    info.protocol = protocol;
    info.ttl = packet[F.TTL]!;
    info.tos = packet[F.TOS]!;
    info.broadcast = broadcast;
    info.linkBroadcast = linkBroadcast;
    info.packet = packet;
    info.headerLength = headerLength;
    info.checksumVerified = checksumVerified;
    this.rxBusy = true;
    try {
      handler.input(packet.subarray(headerLength), info);
    } finally {
      this.rxBusy = nested;
      info.packet = EMPTY; // do not keep a (maybe reassembled, 64 KiB) datagram alive
    }
  }

  // ------------------------------------------------------------ reassembly

  /** One timer, at the earliest reassembly deadline. */
  private armTimer(): void {
    const next = this.reasm.nextDeadline();
    if (next === this.timerAt) return;
    if (this.timerCancel !== null) this.timerCancel();
    this.timerCancel = null;
    this.timerAt = next;
    if (next !== undefined) this.timerCancel = this.scheduler.at(next, this.onReassemblyTimer);
  }

  private readonly onReassemblyTimer = (): void => {
    this.timerCancel = null;
    this.timerAt = undefined;
    for (const dg of this.reasm.expire(this.scheduler.now())) {
      this.stats.dropped['reassemblyTimeout']!++;
      // RFC 792 / RFC 1122 §3.3.2: time exceeded (code 1) only when fragment
      // zero arrived, and never about a broadcast (IP or link layer, §3.2.2).
      const broadcast = dg.dst === IPV4_BROADCAST || dg.dst === this.directedBroadcast || isIpv4Multicast(dg.dst) || dg.linkBroadcast;
      if (dg.firstFragment !== null && !broadcast) this.errorSender?.sendError('reassembly-time-exceeded', dg.firstFragment);
    }
    if (!this.closed) this.armTimer();
  };

  reassembly(): { datagrams: number; bytes: number } {
    return { datagrams: this.reasm.datagrams, bytes: this.reasm.bytes };
  }

  // ------------------------------------------------------------------ output

  write(dst: Ipv4Address, protocol: number, length: number, fill: IpFill, options?: IpWriteOptions): IpWriteError | null {
    if (this.closed) return 'closed';
    if (!(Number.isInteger(dst) && dst >= 0 && dst <= 0xffffffff)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `destination ${String(dst)} (allowed: an IPv4 address as an integer 0..2^32-1)`);
    }
    checkByte('protocol', protocol, 0);
    if (!(Number.isInteger(length) && length >= 0)) throw new StackError('ERR_INVALID_ARGUMENT', `length ${String(length)} (allowed: an integer >= 0)`);
    const ttl = options?.ttl ?? this.config.ttl;
    const tos = options?.tos ?? 0;
    checkByte('ttl', ttl, 1); // RFC 1122 §3.2.1.7: never send TTL 0
    checkByte('tos', tos, 0);
    const src = options?.src ?? this.ourAddress;
    // 0.0.0.0 is allowed as a source for a host that has no address yet (RFC 2131 §4.1).
    if (src !== this.ourAddress && src !== 0) {
      throw new StackError('ERR_INVALID_ARGUMENT', `source address ${String(src)} is not ours`);
    }
    const gsoSize = options?.gsoSize ?? 0;
    if (!(Number.isInteger(gsoSize) && gsoSize >= 0 && gsoSize <= 0xffff)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `gsoSize ${String(gsoSize)} (allowed: an integer 0..65535, 0 for no GSO)`);
    }
    if (gsoSize > 0 && protocol !== IpProtocol.TCP) {
      throw new StackError('ERR_INVALID_ARGUMENT', `gsoSize is for TCP (protocol 6) only, got protocol ${protocol}`);
    }
    const csumOffset = options?.l4ChecksumOffset;
    if (csumOffset !== undefined && !(Number.isInteger(csumOffset) && csumOffset >= 0 && csumOffset + 2 <= length)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `l4ChecksumOffset ${String(csumOffset)} (allowed: an integer with the 2-byte field inside the ${length}-byte payload)`);
    }
    const total = IPV4_MIN_HEADER_LEN + length;
    if (total > IPV4_MAX_DATAGRAM) {
      this.stats.dropped['tooBig']!++;
      return 'too-big';
    }
    // A GSO frame is never fragmented: it carries DF, and so do the segments the device cuts.
    const df = options?.dontFragment === true || gsoSize > 0;

    // Our own address: whole, like Linux's lo (64 KiB MTU, offloads): a GSO datagram needs no cutting,
    // and a partial checksum needs no completing (the loopback delivers as verified).
    if (dst === this.ourAddress && dst !== 0) return this.loopback(src, dst, protocol, length, fill, ttl, tos, df);

    // Where the frame goes on the link.
    if (dst === IPV4_BROADCAST || dst === this.directedBroadcast) {
      this.txMac = MAC_BROADCAST;
    } else if (isIpv4Multicast(dst)) {
      this.txMac = multicastMac(dst);
    } else {
      const route = dst === 0 || isLoopbackNet(dst) ? undefined : this.routeTable.lookup(dst);
      if (route === undefined) {
        this.stats.dropped['noRoute']!++;
        return 'no-route';
      }
      this.txMac = -1;
      this.txNextHop = route.gateway ?? dst;
    }

    const mtu = this.mtu(dst);
    let ids = 1;
    if (gsoSize > 0) {
      // GSO (virtio GSO_TCPV4): one frame up to the device's limit, segments of gsoSize that fit the path MTU.
      const gsoMax = this.deviceOffloads.gsoMaxSize;
      if (gsoMax === 0 || total > Math.max(mtu, gsoMax) || IPV4_MIN_HEADER_LEN + gsoSize > mtu) {
        this.stats.dropped['tooBig']!++;
        return 'too-big';
      }
      // The device gives segment i the id + i (Linux does, without SKB_GSO_TCP_FIXEDID): reserve them
      // all, counting the transport header as at least 20 bytes (an over-estimate only skips an id).
      ids = Math.max(1, Math.ceil((length - 20) / gsoSize));
    } else if (total > mtu && df) {
      this.stats.dropped['tooBig']!++;
      return 'too-big';
    }
    this.txSrc = src;
    this.txDst = dst;
    this.txProtocol = protocol;
    this.txTtl = ttl;
    this.txTos = tos;
    this.txId = this.ident.next(src, dst, protocol, ids);
    this.txFill = fill;
    try {
      if (total <= mtu || gsoSize > 0) {
        // Zero-copy: the upper layer fills its payload straight into the frame.
        this.txFlags = df ? Ipv4Flags.DF : 0;
        if (csumOffset !== undefined) {
          const m = this.csumMeta;
          m.checksumOffset = csumOffset;
          m.gsoSize = gsoSize;
          this.txMeta = m;
        } else if (gsoSize > 0) {
          this.gsoMeta.gsoSize = gsoSize;
          this.txMeta = this.gsoMeta;
        }
        if (!this.sendFrame(total, this.fillWhole)) return this.txFailed();
        this.stats.tx++;
        return null;
      }
      return this.fragment(length, mtu, csumOffset);
    } finally {
      this.txFill = null;
      this.txMeta = undefined;
    }
  }

  offloads(dst: Ipv4Address): IpOffloads {
    return this.source(dst) === undefined ? NO_OFFLOADS : this.deviceOffloads;
  }

  /**
   * RFC 791 §3.2: fill once into scratch, then cut 8-byte aligned fragments.
   * A partial transport checksum (`csumOffset`) is completed here first: no
   * device can fill a checksum that spans fragments.
   */
  private fragment(length: number, mtu: number, csumOffset: number | undefined): IpWriteError | null {
    if (this.scratch.length < length) {
      let size = Math.max(2048, this.scratch.length);
      while (size < length) size *= 2;
      this.scratch = new Uint8Array(Math.min(size, IPV4_MAX_DATAGRAM));
    }
    const fill = this.txFill!;
    this.txFill = null; // fillFragment copies from scratch, it never calls up
    fill(this.scratch.subarray(0, length), this.txSrc, this.txDst);
    if (csumOffset !== undefined) completePartialChecksum(this.scratch, 0, length, csumOffset); // as a device would
    const step = (mtu - IPV4_MIN_HEADER_LEN) & ~(FRAGMENT_UNIT - 1);
    for (let off = 0; off < length; off += step) {
      const n = Math.min(step, length - off);
      this.txFragOffset = off;
      this.txFragLength = n;
      this.txFlags = (off / FRAGMENT_UNIT) | (off + n < length ? Ipv4Flags.MF : 0);
      if (!this.sendFrame(IPV4_MIN_HEADER_LEN + n, this.fillFragment)) return this.txFailed();
      this.stats.fragmentsOut++;
    }
    this.stats.tx++;
    return null;
  }

  private txFailed(): IpWriteError {
    this.stats.dropped['txFailed']!++;
    return 'queue-full';
  }

  private sendFrame(length: number, fill: (buf: Uint8Array) => void): boolean {
    const meta = this.txMeta;
    return this.txMac >= 0
      ? this.eth.write(this.txMac, EtherType.IPv4, length, fill, meta)
      : this.arp.write(this.txNextHop, EtherType.IPv4, length, fill, meta);
  }

  private readonly fillWhole = (buf: Uint8Array): void => {
    const fill = this.txFill;
    if (fill === null) throw new StackError('ERR_UNSUPPORTED', 'IPv4 fill called after write returned: the lower layer must call fill during write');
    writeIpv4Header(buf, 0, IPV4_MIN_HEADER_LEN, this.txTos, buf.length, this.txId, this.txFlags, this.txTtl, this.txProtocol, this.txSrc, this.txDst);
    fill(buf.subarray(IPV4_MIN_HEADER_LEN), this.txSrc, this.txDst);
  };

  private readonly fillFragment = (buf: Uint8Array): void => {
    writeIpv4Header(buf, 0, IPV4_MIN_HEADER_LEN, this.txTos, buf.length, this.txId, this.txFlags, this.txTtl, this.txProtocol, this.txSrc, this.txDst);
    buf.set(this.scratch.subarray(this.txFragOffset, this.txFragOffset + this.txFragLength), IPV4_MIN_HEADER_LEN);
  };

  /**
   * A datagram to our own address is delivered through the scheduler (never
   * synchronously from inside write), whole, as Linux's `lo` does with its
   * 64 KiB MTU: `ping` to ourselves works.
   */
  private loopback(src: Ipv4Address, dst: Ipv4Address, protocol: number, length: number, fill: IpFill, ttl: number, tos: number, df: boolean): IpWriteError | null {
    if (this.loopQueue.length >= this.config.loopbackQueue) return this.txFailed();
    const buf = new Uint8Array(IPV4_MIN_HEADER_LEN + length);
    const id = this.ident.next(src, dst, protocol);
    writeIpv4Header(buf, 0, IPV4_MIN_HEADER_LEN, tos, buf.length, id, df ? Ipv4Flags.DF : 0, ttl, protocol, src, dst);
    fill(buf.subarray(IPV4_MIN_HEADER_LEN), src, dst);
    this.loopQueue.push(buf);
    if (this.loopCancel === null) this.loopCancel = this.scheduler.at(this.scheduler.now(), this.drainLoopback);
    this.stats.tx++;
    return null;
  }

  private readonly drainLoopback = (): void => {
    this.loopCancel = null;
    const queue = this.loopQueue;
    this.loopQueue = [];
    for (const p of queue) if (!this.closed) this.receive(p, true, false, false, true);
  };

  // ------------------------------------------------------ routes and path MTU

  source(dst: Ipv4Address): Ipv4Address | undefined {
    if (dst === this.ourAddress || dst === IPV4_BROADCAST || dst === this.directedBroadcast || isIpv4Multicast(dst)) return this.ourAddress;
    if (dst === 0 || isLoopbackNet(dst)) return undefined;
    return this.routeTable.lookup(dst) === undefined ? undefined : this.ourAddress;
  }

  mtu(dst: Ipv4Address): number {
    const link = this.eth.mtu;
    const learned = this.pmtu.get(dst, this.scheduler.now());
    return learned !== undefined && learned < link ? learned : link;
  }

  updatePathMtu(dst: Ipv4Address, mtu: number): void {
    if (this.closed) return;
    this.pmtu.update(dst, mtu, this.mtu(dst), this.scheduler.now());
  }

  addRoute(route: Ipv4Route): void {
    this.routeTable.add(route);
  }

  removeRoute(destination: Ipv4Cidr, metric?: number): boolean {
    return this.routeTable.remove(destination.address, destination.prefix, metric);
  }

  routes(): Ipv4Route[] {
    return this.routeTable.list();
  }

  // ------------------------------------------------------ protocols and errors

  register(protocol: number, handler: IpProtocolHandler): void {
    if (this.closed) throw new StackError('ERR_CLOSED', 'IPv4 layer is closed');
    checkByte('protocol', protocol, 0);
    if (this.handlers[protocol] !== undefined) {
      throw new StackError('ERR_INVALID_ARGUMENT', `IP protocol ${protocol} already has a handler`);
    }
    this.handlers[protocol] = handler;
  }

  deliverError(err: IpErrorInfo): void {
    if (this.closed) return;
    // RFC 1191 §4: "fragmentation needed" carries the next-hop MTU.
    if (err.kind === 'unreachable' && err.code === 4 && err.mtu > 0) this.updatePathMtu(err.dst, err.mtu);
    this.handlers[err.protocol]?.error?.(err);
  }

  setErrorSender(sender: IcmpErrorSender): void {
    this.errorSender = sender;
  }

  isLocal(addr: Ipv4Address): boolean {
    return this.accepts(addr);
  }

  joinGroup(group: Ipv4Address): void {
    if (!isIpv4Multicast(group)) throw new StackError('ERR_INVALID_ARGUMENT', `${String(group)} is not a multicast group (allowed: 224.0.0.0/4)`);
    if (this.closed) throw new StackError('ERR_CLOSED', 'IPv4 layer is closed');
    if (group === ALL_HOSTS_GROUP || this.joined.has(group)) return;
    this.joined.add(group);
    this.eth.joinMulticast(multicastMac(group));
  }

  leaveGroup(group: Ipv4Address): void {
    if (!this.joined.delete(group)) return;
    // Another group may share the MAC (only 23 bits map): keep it then.
    const mac = multicastMac(group);
    for (const g of this.joined) if (multicastMac(g) === mac) return;
    if (mac !== multicastMac(ALL_HOSTS_GROUP)) this.eth.leaveMulticast(mac);
  }

  groups(): Ipv4Address[] {
    return [...this.joined];
  }

  inspect(): Ipv4Snapshot {
    return {
      address: { ...this.config.address },
      routes: this.routes(),
      groups: this.groups(),
      pathMtu: this.pmtu.list(this.scheduler.now()),
      reassembly: this.reasm.snapshot(),
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timerCancel !== null) this.timerCancel();
    this.timerCancel = null;
    this.timerAt = undefined;
    if (this.loopCancel !== null) this.loopCancel();
    this.loopCancel = null;
    this.loopQueue = [];
    this.reasm.clear();
    this.pmtu.clear();
    for (const g of [...this.joined]) this.leaveGroup(g);
    this.eth.leaveMulticast(multicastMac(ALL_HOSTS_GROUP));
    this.scratch = new Uint8Array(0);
    this.errorSender = null;
  }
}

/**
 * Creates the IPv4 layer of a host (RFC 791, RFC 1122 §3) over an Ethernet
 * layer and its ARP: registers for EtherType 0x0800, validates and filters
 * what arrives (our address, broadcasts, joined groups), reassembles
 * fragments within the configured limits, demuxes by protocol; routes,
 * fragments and sends what the protocols above write. Throws
 * ERR_INVALID_CONFIG for a bad config.
 */
export function createIpv4(eth: EthernetLayer, arp: ArpLayer, deps: Ipv4Deps, config: Ipv4Config): Ipv4Layer {
  return new Ipv4LayerImpl(eth, arp, deps, config);
}

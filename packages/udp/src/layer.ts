import {
  StackError,
  type Counters, type Fill, type IcmpErrorSender, type IpErrorInfo, type IpLayer, type IpRxInfo, type IpWriteOptions, type Random, type Scheduler,
  type UdpBindOptions, type UdpConfig, type UdpDatagram, type UdpHandler, type UdpLayer, type UdpSendError, type UdpSocket,
} from '@stack/interfaces';
import { readU16, writeU16 } from '@stack/wire';
import { resolveUdpConfig, type ResolvedUdpConfig } from './config.js';
import { PortTable } from './engine/port-table.js';
import {
  PROTOCOL_UDP, UDP_CHECKSUM, UDP_DST_PORT, UDP_HEADER_LEN, UDP_LENGTH, UDP_MAX_PAYLOAD, UDP_SRC_PORT,
} from './wire/fields.js';
import { checkUdp, udpPartialChecksum } from './wire/udp.js';

/**
 * What the UDP layer needs besides IP: time, randomness (ephemeral ports) and,
 * optionally, someone to send ICMP port unreachable.
 */
export interface UdpDeps {
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly icmp?: IcmpErrorSender;
}

/** The UDP layer's counters; `dropped` reasons are documented in the README. */
export interface UdpStats {
  rx: number;
  tx: number;
  dropped: Counters;
}

function newDropped(): Counters {
  return { truncated: 0, malformed: 0, checksum: 0, noPort: 0, sourceQuench: 0 };
}

/** `UdpDatagram` with writable fields: the one a layer reuses for every datagram it hands to a socket. */
type MutableDatagram = { -readonly [K in keyof UdpDatagram]: UdpDatagram[K] };

const EMPTY = new Uint8Array(0);

function newDatagram(): MutableDatagram {
  return { data: EMPTY, src: 0, srcPort: 0, dst: 0, dstPort: 0, ttl: 0 };
}

function validPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 0xffff;
}

function validAddress(addr: unknown): addr is number {
  return typeof addr === 'number' && Number.isInteger(addr) && addr >= 0 && addr <= 0xffffffff;
}

class Socket implements UdpSocket {
  closed = false;
  /**
   * What every send passes to `ip.write`, built once at bind: our bound
   * unicast address as source (or none: IP picks), and with checksums on,
   * the offset of the checksum field: the datagram carries only the
   * pseudo-header sum and the device (or IP, or Ethernet, when the device
   * cannot) completes it (IpWriteOptions.l4ChecksumOffset).
   */
  readonly writeOptions: IpWriteOptions | undefined;

  constructor(
    private readonly layer: Udp,
    readonly port: number,
    /** Bound local address, or null for any of ours. */
    readonly address: number | null,
    /** Source address to put on datagrams: the bound address when it is one of our unicast ones. */
    readonly source: number | undefined,
    readonly broadcast: boolean,
    readonly handler: UdpHandler,
    readonly onError: ((err: IpErrorInfo) => void) | undefined,
  ) {
    const csum = layer.config.sendChecksum ? { l4ChecksumOffset: UDP_CHECKSUM } : undefined;
    this.writeOptions = source === undefined ? (csum === undefined ? undefined : Object.freeze(csum)) : Object.freeze({ src: source, ...csum });
  }

  send(dst: number, dstPort: number, data: Uint8Array): UdpSendError | null {
    return this.layer.transmit(this, dst, dstPort, data.length, data, undefined);
  }

  write(dst: number, dstPort: number, length: number, fill: Fill): UdpSendError | null {
    return this.layer.transmit(this, dst, dstPort, length, undefined, fill);
  }

  close(): void {
    this.layer.unbind(this);
  }
}

class Udp implements UdpLayer {
  readonly stats: UdpStats = { rx: 0, tx: 0, dropped: newDropped() };
  private readonly table = new PortTable<Socket>();
  private closed = false;
  private readonly random32: () => number;

  // The datagram being written by the one preallocated fill; ip.write calls
  // it synchronously, so no closure is allocated per datagram.
  private txSrcPort = 0;
  private txDstPort = 0;
  private txData: Uint8Array | undefined = undefined;
  private txUserFill: Fill | undefined = undefined;
  private readonly txFill = (buf: Uint8Array, src: number, dst: number): void => this.writeDatagram(buf, src, dst);

  /**
   * The datagram handed to socket handlers, reused for every one (the
   * handler's argument is valid during the call only, as `UdpDatagram`
   * says). `rxBusy` is set while a handler runs: a datagram delivered from
   * inside it gets a fresh object.
   */
  private readonly rxDatagram: MutableDatagram = newDatagram();
  private rxBusy = false;

  constructor(
    private readonly ip: IpLayer,
    private readonly deps: UdpDeps,
    readonly config: ResolvedUdpConfig,
  ) {
    this.random32 = () => deps.random.u32();
  }

  // ---------------------------------------------------------------- binding

  bind(port: number, handler: UdpHandler, options: UdpBindOptions = {}): UdpSocket {
    if (this.closed) throw new StackError('ERR_CLOSED', 'udp: bind after close');
    const { ephemeralMin: min, ephemeralMax: max } = this.config;
    if (!validPort(port)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `udp: port must be an integer 0..65535 (0 picks an ephemeral port in ${min}..${max}), got ${String(port)}`);
    }
    if (typeof handler !== 'function') throw new StackError('ERR_INVALID_ARGUMENT', 'udp: bind needs a handler function');
    const address = options.address ?? null;
    if (address !== null && !(validAddress(address) && this.ip.isLocal(address))) {
      throw new StackError('ERR_INVALID_ARGUMENT', `udp: cannot bind to ${String(address)}: not one of our addresses`);
    }
    let chosen = port;
    if (port === 0) {
      const p = this.table.ephemeral(address, min, max, this.random32);
      if (p === undefined) throw new StackError('ERR_NO_PORTS', `udp: all ${max - min + 1} ephemeral ports (${min}..${max}) are in use`);
      chosen = p;
    } else if (this.table.inUse(port, address)) {
      throw new StackError('ERR_PORT_IN_USE', `udp: port ${port} is already bound`);
    }
    const unicastOfOurs = address !== null && this.ip.addresses.some((c) => c.address === address);
    const socket = new Socket(this, chosen, address, unicastOfOurs ? address : undefined, options.broadcast ?? true, handler, options.onError);
    this.table.add(socket);
    return socket;
  }

  unbind(socket: Socket): void {
    if (socket.closed) return;
    socket.closed = true;
    this.table.remove(socket);
  }

  sockets(): { port: number; address: number | null }[] {
    return this.table.all().map((s) => ({ port: s.port, address: s.address }));
  }

  // ---------------------------------------------------------------- receive

  input(payload: Uint8Array, info: IpRxInfo): void {
    if (this.closed) return;
    this.stats.rx++;
    const bad = checkUdp(payload, info.src, info.dst, !info.checksumVerified);
    if (bad !== null) {
      this.drop(bad.kind);
      return;
    }
    const dstPort = readU16(payload, UDP_DST_PORT);
    const socket = this.table.lookup(dstPort, info.dst, info.broadcast);
    if (socket === undefined) {
      this.drop('noPort');
      // RFC 1122 §4.1.3.1: port unreachable, but never about a datagram sent
      // to a broadcast or multicast address, nor one that came in a
      // link-layer broadcast or multicast frame (§3.2.2).
      if (!info.broadcast && !info.linkBroadcast && this.config.portUnreachable) this.deps.icmp?.sendError('port-unreachable', info.packet);
      return;
    }
    const nested = this.rxBusy;
    const datagram = nested ? newDatagram() : this.rxDatagram;
    datagram.data = payload.subarray(UDP_HEADER_LEN, readU16(payload, UDP_LENGTH));
    datagram.src = info.src;
    datagram.srcPort = readU16(payload, UDP_SRC_PORT);
    datagram.dst = info.dst;
    datagram.dstPort = dstPort;
    datagram.ttl = info.ttl;
    this.rxBusy = true;
    try {
      socket.handler(datagram);
    } finally {
      this.rxBusy = nested;
      datagram.data = EMPTY; // the bytes are the lower layer's: do not keep them alive
    }
  }

  /**
   * An ICMP error quoting one of our datagrams goes to the socket bound to
   * its source port. Source Quench never does (RFC 6633 §3: deprecated,
   * silently discarded); it is only counted.
   */
  error(err: IpErrorInfo): void {
    if (this.closed) return;
    if (err.kind === 'source-quench') {
      this.drop('sourceQuench');
      return;
    }
    if (err.quoted.length < UDP_DST_PORT + 2) return;
    const socket = this.table.lookup(readU16(err.quoted, UDP_SRC_PORT), err.src, false);
    socket?.onError?.(err);
  }

  // ------------------------------------------------------------------- send

  transmit(socket: Socket, dst: number, dstPort: number, length: number, data: Uint8Array | undefined, fill: Fill | undefined): UdpSendError | null {
    if (socket.closed) throw new StackError('ERR_CLOSED', `udp: send on closed socket (port ${socket.port})`);
    if (!validAddress(dst)) throw new StackError('ERR_INVALID_ARGUMENT', `udp: destination must be an IPv4 address (integer 0..2^32-1), got ${String(dst)}`);
    if (!validPort(dstPort) || dstPort === 0) {
      throw new StackError('ERR_INVALID_ARGUMENT', `udp: destination port must be an integer 1..65535, got ${String(dstPort)}`);
    }
    if (!Number.isInteger(length) || length < 0) throw new StackError('ERR_INVALID_ARGUMENT', `udp: length must be an integer >= 0, got ${length}`);
    if (length > UDP_MAX_PAYLOAD) return 'too-big';
    this.txSrcPort = socket.port;
    this.txDstPort = dstPort;
    this.txData = data;
    this.txUserFill = fill;
    const error = this.ip.write(dst, PROTOCOL_UDP, UDP_HEADER_LEN + length, this.txFill, socket.writeOptions);
    this.txData = undefined;
    this.txUserFill = undefined;
    if (error === null) this.stats.tx++;
    return error;
  }

  /**
   * Header, then the data (one copy, or the user's fill in place), then the
   * checksum field (RFC 768): the folded pseudo-header sum, for the layers
   * below to complete (`writeOptions`), or 0 (none) without checksums.
   */
  private writeDatagram(buf: Uint8Array, src: number, dst: number): void {
    const length = buf.length;
    writeU16(buf, UDP_SRC_PORT, this.txSrcPort);
    writeU16(buf, UDP_DST_PORT, this.txDstPort);
    writeU16(buf, UDP_LENGTH, length);
    writeU16(buf, UDP_CHECKSUM, 0);
    if (this.txData !== undefined) buf.set(this.txData, UDP_HEADER_LEN);
    else this.txUserFill?.(buf.subarray(UDP_HEADER_LEN));
    if (this.config.sendChecksum) writeU16(buf, UDP_CHECKSUM, udpPartialChecksum(length, src, dst));
  }

  // ------------------------------------------------------------------ misc

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.table.all()) s.closed = true;
    this.table.clear();
  }

  private drop(reason: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
  }
}

/**
 * Creates the UDP layer (RFC 768, RFC 1122 §4.1) over `ip` and registers it
 * for protocol 17: bind with RFC 6056 ephemeral ports, checksums with the
 * pseudo-header, one-copy `send` and zero-copy `write`, ICMP port unreachable
 * through `deps.icmp`, and ICMP errors routed to the socket that sent the
 * quoted datagram. Throws ERR_INVALID_CONFIG on a bad config.
 */
export function createUdp(ip: IpLayer, deps: UdpDeps, config?: UdpConfig): UdpLayer {
  const layer = new Udp(ip, deps, resolveUdpConfig(config));
  ip.register(PROTOCOL_UDP, layer);
  return layer;
}

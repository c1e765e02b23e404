import type { Ipv4Address, Ipv4Cidr, MacAddress } from './address.js';
import type { DeviceCapabilities, RxMeta, TxMeta } from './device.js';
import type { Counters } from './stats.js';

/**
 * Writes a packet's bytes into `buf`, a region the lower layer allocated
 * with room for its own headers in front (zero-copy emit, DESIGN.md). `buf`
 * is exactly the length that was asked for.
 */
export type Fill = (buf: Uint8Array) => void;

// ---------------------------------------------------------------- Ethernet

/** Information about a received Ethernet frame, valid during the callback. */
export interface EthernetRxInfo {
  readonly src: MacAddress;
  readonly dst: MacAddress;
  readonly etherType: number;
  /** 802.1Q VLAN id, or -1 when the frame carried no tag. */
  readonly vlan: number;
  readonly meta: RxMeta;
}

/** Receives the payload of a frame of one EtherType. `payload` is valid during the call. */
export type EthernetHandler = (payload: Uint8Array, info: EthernetRxInfo) => void;

/** The Ethernet layer over one NetDevice: demux by EtherType, MAC filter, zero-copy write. */
export interface EthernetLayer {
  readonly mac: MacAddress;
  /** Largest payload (IP packet) per frame. */
  readonly mtu: number;
  readonly capabilities: DeviceCapabilities;
  /** Hands a received frame in; the device's receive handler calls this. */
  input(frame: Uint8Array, meta: RxMeta): void;
  /** Registers the handler of one EtherType (0x0800 IPv4, 0x0806 ARP, ...). */
  register(etherType: number, handler: EthernetHandler): void;
  /**
   * Sends a frame to `dst` carrying `length` bytes of payload that `fill`
   * writes. Returns false if the frame was not sent (too large, device down).
   *
   * `meta` (optional) asks the device for offloads. Its `checksumStart` is
   * relative to the PAYLOAD (the start of the IP packet, say); the layer adds
   * its own header length (VLAN tag included) before handing the frame to the
   * device. A payload over the MTU is accepted only with `meta.gsoSize` on a
   * device that does GSO, up to its `gsoMaxSize`. The layer reads `meta`
   * during the call only (the caller may reuse the object).
   */
  write(dst: MacAddress, etherType: number, length: number, fill: Fill, meta?: TxMeta): boolean;
  /** Accepts frames to this multicast MAC too. */
  joinMulticast(mac: MacAddress): void;
  leaveMulticast(mac: MacAddress): void;
  readonly stats: { rx: number; tx: number; dropped: Counters };
}

// --------------------------------------------------------------------- ARP

/** One ARP cache entry as `inspect()` shows it. */
export interface ArpEntry {
  readonly ip: Ipv4Address;
  readonly mac: MacAddress | null;
  readonly state: 'incomplete' | 'reachable' | 'stale' | 'static';
  /** Absolute time (ms) the entry expires; null for static. */
  readonly expiresAt: number | null;
}

/** IPv4-over-Ethernet address resolution with a queue of packets waiting for it. */
export interface ArpLayer {
  /** Hands in the payload of an ARP frame. */
  input(payload: Uint8Array, info: EthernetRxInfo): void;
  /**
   * Sends an IP packet to the neighbour `nextHop`: at once when its MAC is
   * known, else queued (bounded) while a request goes out. Returns false if
   * dropped (queue full, resolution failed before). `meta` is passed to
   * `EthernetLayer.write` as is (a queued packet keeps a copy of it).
   */
  write(nextHop: Ipv4Address, etherType: number, length: number, fill: Fill, meta?: TxMeta): boolean;
  /** The cached MAC of `ip`, or undefined. Sends nothing. */
  lookup(ip: Ipv4Address): MacAddress | undefined;
  /** Adds a static entry that never expires. */
  addStatic(ip: Ipv4Address, mac: MacAddress): void;
  remove(ip: Ipv4Address): void;
  /** Sends a gratuitous ARP announcement for our own address (RFC 5227 §2.3). */
  announce(): void;
  /**
   * RFC 5227 probe: resolves true if nobody else answered for `ip`
   * (the address is free), false on a conflict.
   */
  probe(ip: Ipv4Address): Promise<boolean>;
  entries(): ArpEntry[];
  readonly stats: { rx: number; tx: number; dropped: Counters };
  /** Cancels timers and drops queued packets. */
  close(): void;
}

// -------------------------------------------------------------------- IPv4

/** Information about a received IP datagram, valid during the callback. */
export interface IpRxInfo {
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly protocol: number;
  readonly ttl: number;
  readonly tos: number;
  /** Sent to a broadcast or multicast address (no ICMP errors in reply, RFC 1122). */
  readonly broadcast: boolean;
  /**
   * Arrived in a link-layer broadcast or multicast frame: never answer it
   * with an ICMP error (RFC 1122 §3.2.2).
   */
  readonly linkBroadcast: boolean;
  /**
   * The whole datagram, header included, for quoting in ICMP errors. For a
   * reassembled datagram this is the reassembled packet.
   */
  readonly packet: Uint8Array;
  readonly headerLength: number;
  /** L4 checksum already verified (device offload) or not to be verified (partial). */
  readonly checksumVerified: boolean;
}

/** An ICMP error about a datagram we sent, handed to its protocol. */
export interface IpErrorInfo {
  readonly kind: 'unreachable' | 'time-exceeded' | 'parameter-problem' | 'source-quench';
  /** ICMP code (for unreachable: 3 port, 4 fragmentation needed, ...). */
  readonly code: number;
  /** Who sent the error. */
  readonly reporter: Ipv4Address;
  /** Next-hop MTU for "fragmentation needed", else 0. */
  readonly mtu: number;
  /** Addresses of the quoted (our) datagram. */
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly protocol: number;
  /** The quoted transport header (at least 8 bytes when present). */
  readonly quoted: Uint8Array;
}

/** A transport protocol's hooks into IP. */
export interface IpProtocolHandler {
  input(payload: Uint8Array, info: IpRxInfo): void;
  /** An ICMP error quoting a datagram of this protocol. */
  error?(err: IpErrorInfo): void;
}

/** Options of one IP write. */
export interface IpWriteOptions {
  ttl?: number;
  tos?: number;
  /** Set DF; a datagram too large for the route is then refused, not fragmented. */
  dontFragment?: boolean;
  /** Source address to use (must be ours); default: the route's. */
  src?: Ipv4Address;
  /**
   * GSO (TCP only): the datagram is one TCP packet that may be larger than
   * the path MTU, up to `offloads(dst).gsoMaxSize` bytes of IP packet, sent
   * as ONE frame that the device cuts into segments of `gsoSize` TCP payload
   * bytes (see `TxMeta`). IP never fragments it and sets DF on it. Refused
   * with 'too-big' when the route's device does no GSO, the datagram is over
   * its `gsoMaxSize`, or a segment (20 + `gsoSize`) would not fit the path
   * MTU. 0 or absent: off.
   */
  gsoSize?: number;
  /**
   * Transmit checksum offload: the offset of the checksum field in the
   * transport header (16 for TCP, 6 for UDP). The transport writes only the
   * folded pseudo-header sum there (`emitTcp`/`emitUdp` 'partial' mode); IP
   * asks the device to complete it (`TxMeta.checksumStart` = the IP header
   * length, relative to the Ethernet payload, `checksumOffset` = this) or
   * completes it itself when it must (a fragmented datagram, a device without
   * the offload). Absent: the transport wrote the full checksum.
   */
  l4ChecksumOffset?: number;
}

/** What the device on the route toward a destination can do for the transport (`IpLayer.offloads`). */
export interface IpOffloads {
  /** Largest GSO datagram (IP packet, header included) for `IpWriteOptions.gsoSize`; 0 = no GSO. */
  readonly gsoMaxSize: number;
  /** The device completes checksums asked for with `IpWriteOptions.l4ChecksumOffset`. */
  readonly txChecksumOffload: boolean;
}

/**
 * Writes a transport payload into `buf`. `src` and `dst` are the addresses
 * the datagram carries, for the pseudo-header checksum.
 */
export type IpFill = (buf: Uint8Array, src: Ipv4Address, dst: Ipv4Address) => void;

/** A route as `inspect()` shows it. */
export interface Ipv4Route {
  readonly destination: Ipv4Cidr;
  /** Next hop; null for a directly connected network. */
  readonly gateway: Ipv4Address | null;
  readonly metric: number;
}

/** Why an IP write did not go out. */
export type IpWriteError = 'no-route' | 'too-big' | 'queue-full' | 'closed';

/** The IPv4 layer: routing, fragmentation, reassembly, protocol demux. */
export interface IpLayer {
  /** Our addresses with their networks. */
  readonly addresses: readonly Ipv4Cidr[];
  /** Hands in the payload of an IPv4 Ethernet frame. */
  input(packet: Uint8Array, info: EthernetRxInfo): void;
  /** Registers the handler of an IP protocol number (1 ICMP, 6 TCP, 17 UDP). */
  register(protocol: number, handler: IpProtocolHandler): void;
  /**
   * Sends a datagram of `length` payload bytes that `fill` writes. Returns
   * null when it went out (or was queued for ARP), or why not.
   */
  write(dst: Ipv4Address, protocol: number, length: number, fill: IpFill, options?: IpWriteOptions): IpWriteError | null;
  /** The source address a datagram to `dst` would carry, or undefined with no route. */
  source(dst: Ipv4Address): Ipv4Address | undefined;
  /** The MTU toward `dst` (route MTU, lowered by learned path MTU). */
  mtu(dst: Ipv4Address): number;
  /**
   * What the device on the route toward `dst` offloads (GSO, transmit
   * checksum), so a transport knows whether to ask for it in
   * `IpWriteOptions`; `{ gsoMaxSize: 0, txChecksumOffload: false }` with no
   * route. A method, not a property, so a layer with several interfaces can
   * answer per route. Optional in the contract: an IP layer without it
   * offloads nothing (callers use `ip.offloads?.(dst)`).
   */
  offloads?(dst: Ipv4Address): IpOffloads;
  /** Lowers the path MTU to `dst` (after ICMP fragmentation-needed, RFC 1191). */
  updatePathMtu(dst: Ipv4Address, mtu: number): void;
  /** Delivers an ICMP error to the protocol of the quoted datagram (called by ICMP). */
  deliverError(err: IpErrorInfo): void;
  /**
   * Who sends the ICMP errors IP itself raises (protocol unreachable,
   * reassembly time exceeded). ICMP sits above IP, so the composition root
   * (or `createIcmp`) connects it after both exist.
   */
  setErrorSender(sender: IcmpErrorSender): void;
  /** True if `addr` is one of ours, a broadcast we accept, or a joined group. */
  isLocal(addr: Ipv4Address): boolean;
  addRoute(route: Ipv4Route): void;
  routes(): Ipv4Route[];
  readonly stats: { rx: number; tx: number; dropped: Counters; fragmentsIn: number; fragmentsOut: number; reassembled: number };
  /** State of reassembly: datagrams and bytes held. */
  reassembly(): { datagrams: number; bytes: number };
  close(): void;
}

// -------------------------------------------------------------------- ICMP

/** The outcome of one ping: a reply or why none came. Never thrown. */
export type PingResult =
  | { readonly ok: true; readonly rtt: number; readonly ttl: number; readonly bytes: number; readonly seq: number; readonly from: Ipv4Address }
  | { readonly ok: false; readonly error: 'timeout' | 'unreachable' | 'no-route' | 'unsupported'; readonly seq: number };

export interface PingOptions {
  /** Payload bytes after the 8-byte ICMP header (default 56, like ping). */
  size?: number;
  /** Give up after this many ms (default 1000). */
  timeout?: number;
  ttl?: number;
  dontFragment?: boolean;
}

/** ICMP errors a protocol may ask the ICMP layer to send about a datagram it received. */
export type IcmpErrorKind =
  | 'port-unreachable'
  | 'protocol-unreachable'
  | 'fragmentation-needed'
  | 'ttl-exceeded'
  | 'reassembly-time-exceeded';

/** Sends ICMP errors; what UDP and IPv4 need of ICMP. */
export interface IcmpErrorSender {
  /**
   * Sends an error quoting `original` (the offending datagram, header
   * included). Rate limited; never sent about broadcasts, fragments other
   * than the first, or ICMP errors (RFC 1122 §3.2.2). Returns true if sent.
   */
  sendError(kind: IcmpErrorKind, original: Uint8Array, mtu?: number): boolean;
}

/** The ICMPv4 layer: answers echo, pings, sends and receives errors. */
export interface IcmpLayer extends IcmpErrorSender, IpProtocolHandler {
  ping(dst: Ipv4Address, options?: PingOptions): Promise<PingResult>;
  readonly stats: { rx: number; tx: number; dropped: Counters; errorsSent: number; errorsRateLimited: number; echoReplies: number };
  close(): void;
}

// --------------------------------------------------------------------- UDP

/**
 * A received UDP datagram. `data` is valid during the callback: copy to keep.
 * The object itself may be reused for the next datagram, so copy the fields
 * you keep too.
 */
export interface UdpDatagram {
  readonly data: Uint8Array;
  readonly src: Ipv4Address;
  readonly srcPort: number;
  readonly dst: Ipv4Address;
  readonly dstPort: number;
  readonly ttl: number;
}

export type UdpHandler = (datagram: UdpDatagram) => void;

/** Why a UDP send did not go out. */
export type UdpSendError = IpWriteError | 'too-big';

/** A bound UDP port. */
export interface UdpSocket {
  readonly port: number;
  /** Sends a copy of `data`. Returns null when sent, or why not. */
  send(dst: Ipv4Address, dstPort: number, data: Uint8Array): UdpSendError | null;
  /** Zero-copy send: `fill` writes `length` payload bytes in place. */
  write(dst: Ipv4Address, dstPort: number, length: number, fill: Fill): UdpSendError | null;
  /** Unbinds. Idempotent. */
  close(): void;
}

export interface UdpBindOptions {
  /** Only accept datagrams to this local address (default: any of ours). */
  address?: Ipv4Address;
  /** Also receive broadcasts (default true). */
  broadcast?: boolean;
  /**
   * Called with ICMP errors (port unreachable, fragmentation needed, ...)
   * about datagrams this socket sent, matched by the quoted source port.
   */
  onError?: (err: IpErrorInfo) => void;
}

/** The UDP layer. */
export interface UdpLayer extends IpProtocolHandler {
  /** Binds `port` (0: an ephemeral port, RFC 6056). Throws ERR_PORT_IN_USE / ERR_NO_PORTS. */
  bind(port: number, handler: UdpHandler, options?: UdpBindOptions): UdpSocket;
  /** Bound ports, for `inspect()`. */
  sockets(): { port: number; address: Ipv4Address | null }[];
  readonly stats: { rx: number; tx: number; dropped: Counters };
  close(): void;
}

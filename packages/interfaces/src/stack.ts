import type { Ipv4Address, Ipv4Like } from './address.js';
import type { StackTcp } from './flow.js';
import type { PingOptions, PingResult, UdpBindOptions, UdpHandler, UdpSendError, UdpSocket } from './layers.js';

/** The UDP part of a Stack. Addresses may be given as dotted quads or numbers. */
export interface StackUdp {
  /** Binds `port` (0: ephemeral). Throws ERR_PORT_IN_USE on a taken port. */
  bind(port: number, handler: UdpHandler, options?: UdpBindOptions): UdpSocket;
  /** Sends one datagram from an ephemeral port (or `srcPort`). */
  send(dst: Ipv4Like, dstPort: number, data: Uint8Array, options?: { srcPort?: number }): UdpSendError | null;
}

/** The ICMP part of a Stack. */
export interface StackIcmp {
  ping(dst: Ipv4Like, options?: PingOptions): Promise<PingResult>;
}

/**
 * A whole network stack (MirageOS's STACKV4), implemented over a NetDevice by
 * `@stack/stack-direct` and over the kernel by `@stack/stack-socket`. An app
 * takes a Stack and does not care which.
 */
export interface Stack extends AsyncDisposable {
  /** A name for logs. */
  readonly name: string;
  /** Our IPv4 address. */
  readonly address: Ipv4Address;
  readonly udp: StackUdp;
  readonly icmp: StackIcmp;
  /** TCP; undefined until a stack implements it (see @stack/tcp). */
  readonly tcp?: StackTcp;
  /** The whole resolved configuration, as plain JSON. */
  readonly config: unknown;
  /** A snapshot of live state (ARP cache, routes, sockets, counters) as plain JSON. */
  inspect(): StackSnapshot;
  /** Ends everything the stack owns: sockets, timers, devices. Idempotent. */
  close(): Promise<void>;
}

/** `inspect()` output: plain JSON, sections per layer. */
export interface StackSnapshot {
  readonly name: string;
  readonly [section: string]: unknown;
}

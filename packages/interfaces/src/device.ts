import type { MacAddress } from './address.js';

/**
 * What a device does for the layers above it, so they can skip work
 * (DESIGN.md, "Contracts"). A memory link that never corrupts bytes may say it
 * verifies checksums; a TAP with offloads says it can cut 64 KB TCP segments.
 */
export interface DeviceCapabilities {
  /** Largest IP packet (Ethernet payload) the device carries, excluding the 14-byte header. */
  readonly mtu: number;
  /** Received frames had their IPv4/TCP/UDP checksums verified by the device. */
  readonly rxChecksumVerified: boolean;
  /** The device fills in TCP/UDP checksums on transmit when `TxMeta.checksum` asks it to. */
  readonly txChecksumOffload: boolean;
  /** Largest TCP segment (IP packet) the device accepts and cuts to `TxMeta.gsoSize`; 0 = no GSO. */
  readonly gsoMaxSize: number;
  /** The device may hand up coalesced TCP segments larger than the MTU (GRO / LRO). */
  readonly gro: boolean;
}

/** Capabilities of a plain device that offloads nothing. */
export function plainCapabilities(mtu: number): DeviceCapabilities {
  return { mtu, rxChecksumVerified: false, txChecksumOffload: false, gsoMaxSize: 0, gro: false };
}

/** Per-frame metadata handed up with a received frame. */
export interface RxMeta {
  /** The device verified the frame's L3/L4 checksums (or they need no check). */
  checksumVerified: boolean;
  /** The L4 checksum field holds only the pseudo-header sum (virtio NEEDS_CSUM): do not verify. */
  checksumPartial: boolean;
}

/**
 * Per-frame instructions for transmit (virtio-net's `virtio_net_hdr`).
 * Optional: omitted means a plain frame.
 *
 * Checksum offload (virtio NEEDS_CSUM, Linux CHECKSUM_PARTIAL): the field at
 * `checksumStart + checksumOffset` holds the folded pseudo-header sum; the
 * device replaces it with the internet checksum of everything from
 * `checksumStart` to the end of the packet (0 is written as 0xffff).
 *
 * GSO (virtio GSO_TCPV4, Linux SKB_GSO_TCPV4): the frame is one Ethernet +
 * IPv4 + TCP packet up to `capabilities.gsoMaxSize` bytes of IP packet; the
 * device cuts its TCP payload into segments of `gsoSize` bytes (the last may
 * be shorter), each with a copy of the headers: IP total length and header
 * checksum rewritten, IP identification +1 per segment from the one the
 * frame carries, TCP sequence number advanced, FIN and PSH on the last
 * segment only, CWR on the first only, TCP checksum computed per segment.
 */
export interface TxMeta {
  /** Ask the device to fill in the checksum: start offset of the L4 header in the frame... */
  checksumStart?: number;
  /** ...and offset of the checksum field from `checksumStart`. */
  checksumOffset?: number;
  /** For a GSO frame: the segment size the device cuts the TCP payload into. 0 or absent: not a GSO frame. */
  gsoSize?: number;
}

/** Counters every device keeps. */
export interface DeviceStats {
  rxFrames: number;
  rxBytes: number;
  txFrames: number;
  txBytes: number;
  /** Frames dropped on receive (no handler, oversize, queue full, decorator loss...). */
  rxDropped: number;
  /** Frames dropped on transmit (closed, too large, queue full, decorator loss...). */
  txDropped: number;
}

/** A receive handler. The frame is a view valid only during the call: copy what you keep. */
export type FrameHandler = (frame: Uint8Array, meta: RxMeta) => void;

/**
 * A network device that carries Ethernet frames: a memory link, a TAP, a
 * virtio queue, or a decorator around another device (DESIGN.md, "Contracts").
 *
 * `transmit` takes the bytes during the call: the caller keeps the buffer and
 * may reuse it as soon as `transmit` returns, so layers can emit into one
 * preallocated buffer. A device that queues copies. Devices never call back
 * into the stack from inside `transmit`; delivery happens later.
 */
export interface NetDevice {
  /** A name for logs and traces (`tap0`, `h1.eth0`). */
  readonly name: string;
  readonly mac: MacAddress;
  /** Largest Ethernet payload; the same as `capabilities.mtu`. */
  readonly mtu: number;
  readonly capabilities: DeviceCapabilities;
  readonly stats: DeviceStats;
  /**
   * Sends one frame (14-byte Ethernet header included, no FCS). Returns
   * false if it was dropped (device closed, frame too large, queue full).
   */
  transmit(frame: Uint8Array, meta?: TxMeta): boolean;
  /**
   * Optional: memory for the next frame, `length` bytes, from a device that
   * must keep frames past `transmit` (a memory link queues them). Write the
   * whole frame into it (its bytes are not zeroed) and pass this very view to
   * `transmit`, which then keeps it without a copy. Another call, or a
   * `transmit` of anything else, abandons it. Devices that write at once (a
   * TAP) need not offer it; callers then use a buffer of their own.
   */
  txBuffer?(length: number): Uint8Array;
  /** Sets the one receive handler (a stack has one Ethernet layer per device). */
  onReceive(handler: FrameHandler): void;
  /** Stops the device; frames are no longer sent or delivered. Idempotent. */
  close(): Promise<void>;
}

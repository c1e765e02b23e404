/**
 * `struct virtio_net_hdr_v1` (Virtio 1.2 §5.1.6 "Device Operation"; Linux
 * include/uapi/linux/virtio_net.h), the 12-byte header a TAP with
 * IFF_VNET_HDR and TUNSETVNETHDRSZ 12 puts before every frame. Fields are
 * little-endian (a virtio 1.x device; Linux's tun is little-endian on x86
 * and arm64, and for every v1 header).
 */
export const VnetField = {
  /** u8: VnetFlags bits. */
  FLAGS: 0,
  /** u8: VnetGso type (ECN bit 0x80 may be set with a TCP type). */
  GSO_TYPE: 1,
  /** u16 LE: bytes of headers (Ethernet + IP + TCP) before the payload of a GSO frame: a hint. */
  HDR_LEN: 2,
  /** u16 LE: payload bytes per segment of a GSO frame (MSS). */
  GSO_SIZE: 4,
  /** u16 LE: offset of the L4 header from the start of the Ethernet frame, for NEEDS_CSUM. */
  CSUM_START: 6,
  /** u16 LE: offset of the checksum field from CSUM_START. */
  CSUM_OFFSET: 8,
  /** u16 LE: buffers a merged receive used (always 1 from a TAP; 0 on transmit). */
  NUM_BUFFERS: 10,
} as const;

/** Length of `virtio_net_hdr_v1` (with num_buffers), bytes. */
export const VNET_HDR_LEN = 12;

/** `flags` bits (Virtio 1.2 §5.1.6). */
export const VnetFlags = {
  /** The L4 checksum field holds only the pseudo-header sum: checksum from csum_start to the end (Linux CHECKSUM_PARTIAL). */
  NEEDS_CSUM: 1,
  /** The checksums were verified (Linux CHECKSUM_UNNECESSARY). */
  DATA_VALID: 2,
  /** gso_size / csum fields carry receive-segment-coalescing info (never from a TAP). */
  RSC_INFO: 4,
} as const;

/** `gso_type` values (Virtio 1.2 §5.1.6). */
export const VnetGso = {
  NONE: 0,
  TCPV4: 1,
  /** UFO: a UDP datagram to fragment (obsolete). */
  UDP: 3,
  TCPV6: 4,
  /** USO: a UDP datagram to segment. */
  UDP_L4: 5,
  /** Or-ed into a TCP type: the segment carries CWR (RFC 3168); only the first cut segment keeps it. */
  ECN: 0x80,
} as const;

/** Reads a little-endian u16. */
export function readU16LE(buf: Uint8Array, offset: number): number {
  return buf[offset]! | (buf[offset + 1]! << 8);
}

/** Writes a little-endian u16. */
export function writeU16LE(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value & 0xff;
  buf[offset + 1] = (value >>> 8) & 0xff;
}

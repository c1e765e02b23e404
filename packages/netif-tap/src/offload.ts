import type { TxMeta } from '@stack/interfaces';
import { EtherType, IpProtocol, completePartialChecksum, readU16 } from '@stack/wire';
import { VNET_HDR_LEN, VnetField, VnetFlags, VnetGso, writeU16LE } from './wire/fields.js';

/** What the kernel accepted (TUNSETOFFLOAD), as the transmit path needs it. */
export interface Negotiated {
  /** A virtio-net header precedes each frame. */
  readonly vnetHdr: boolean;
  /** TUN_F_CSUM: NEEDS_CSUM frames are fine. */
  readonly csum: boolean;
  /** TUN_F_TSO4 / TSO6: GSO frames of that family are fine. */
  readonly tso4: boolean;
  readonly tso6: boolean;
}

/** Why a frame cannot be sent as asked. */
export type TxHeaderProblem = 'offload';

const ETH_HEADER = 14;
const VLAN_TAG = 4;
const TCP_FLAGS = 13;
const TCP_CWR = 0x80;

/**
 * Writes the virtio_net_hdr_v1 for a frame already copied to
 * `buf[offset + 12 ..]` (`frameLen` bytes), from the stack's TxMeta
 * (Virtio 1.2 §5.1.6.2, "Packet Transmission"):
 * - `checksumStart/Offset` → NEEDS_CSUM with csum_start / csum_offset, when
 *   the kernel took TUN_F_CSUM; otherwise the checksum is completed here in
 *   software (the field holds the pseudo-header sum, RFC 1071 over the rest).
 * - `gsoSize` > 0 → GSO_TCPV4 (or TCPV6), gso_size, hdr_len = Ethernet + IP +
 *   TCP headers, ECN when the segment carries CWR (as Linux's TCP does).
 *   Returns 'offload' when GSO was not negotiated for the family, or the
 *   frame is not Ethernet + IP + TCP, or the checksum range is outside it.
 * Without a virtio header (`vnetHdr` false) only the software checksum applies.
 */
export function writeTxHeader(buf: Uint8Array, offset: number, frameLen: number, meta: TxMeta | undefined, n: Negotiated): TxHeaderProblem | null {
  const frame = n.vnetHdr ? offset + VNET_HDR_LEN : offset;
  if (n.vnetHdr) buf.fill(0, offset, frame);
  if (meta === undefined) return null;
  const gsoSize = meta.gsoSize ?? 0;
  if (meta.checksumStart !== undefined) {
    const start = meta.checksumStart;
    const field = start + (meta.checksumOffset ?? 0);
    if (!(Number.isInteger(start) && start >= ETH_HEADER && Number.isInteger(field) && field >= start && field + 2 <= frameLen)) return 'offload';
    if (n.vnetHdr && n.csum) {
      buf[offset + VnetField.FLAGS] = VnetFlags.NEEDS_CSUM;
      writeU16LE(buf, offset + VnetField.CSUM_START, start);
      writeU16LE(buf, offset + VnetField.CSUM_OFFSET, field - start);
    } else {
      if (gsoSize > 0) return 'offload';
      completePartialChecksum(buf, frame + start, frame + frameLen, frame + field);
    }
  }
  if (gsoSize > 0) {
    if (!n.vnetHdr || !Number.isInteger(gsoSize) || gsoSize > 0xffff) return 'offload';
    let l3 = ETH_HEADER;
    let etherType = readU16(buf, frame + 12);
    if (etherType === EtherType.VLAN) {
      if (frameLen < ETH_HEADER + VLAN_TAG) return 'offload';
      etherType = readU16(buf, frame + 16);
      l3 += VLAN_TAG;
    }
    let l4: number;
    let type: number;
    if (etherType === EtherType.IPv4 && n.tso4) {
      if (frameLen < l3 + 20) return 'offload';
      const ihl = (buf[frame + l3]! & 0x0f) * 4;
      if (buf[frame + l3]! >> 4 !== 4 || ihl < 20 || buf[frame + l3 + 9] !== IpProtocol.TCP) return 'offload';
      l4 = l3 + ihl;
      type = VnetGso.TCPV4;
    } else if (etherType === EtherType.IPv6 && n.tso6) {
      if (frameLen < l3 + 40 || buf[frame + l3 + 6] !== IpProtocol.TCP) return 'offload';
      l4 = l3 + 40;
      type = VnetGso.TCPV6;
    } else {
      return 'offload';
    }
    if (frameLen < l4 + 20) return 'offload';
    const hdrLen = l4 + (buf[frame + l4 + 12]! >> 4) * 4;
    if (hdrLen < l4 + 20 || hdrLen > frameLen) return 'offload';
    if ((buf[frame + l4 + TCP_FLAGS]! & TCP_CWR) !== 0) type |= VnetGso.ECN;
    buf[offset + VnetField.GSO_TYPE] = type;
    writeU16LE(buf, offset + VnetField.HDR_LEN, hdrLen);
    writeU16LE(buf, offset + VnetField.GSO_SIZE, gsoSize);
  }
  return null;
}

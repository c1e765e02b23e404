import type { TxMeta } from '@stack/interfaces';
import { EtherType, IpProtocol, fold, readU16, updateChecksum16, writeU16 } from '@stack/wire';
import { VnetField, VnetGso, writeU16LE } from './wire/fields.js';

/**
 * UDP transmit coalescing: a run of UDP datagrams of one flow queued in one
 * tick leaves as ONE frame with a virtio-net header of type GSO_UDP_L4 (USO,
 * Virtio 1.2 §5.1.6.2), which the kernel cuts back into the same datagrams
 * (Linux ≥ 6.2: `__udp_gso_segment`, IPv4 ids counted up from the first, the
 * checksum of each segment completed). On the wire nothing changes; the
 * kernel runs its receive path once per run instead of once per datagram,
 * which is most of what a small datagram costs a TAP (see BENCHMARKS.md,
 * "UDP echo"). Linux's own UDP does the same when an application asks for it
 * (UDP_SEGMENT); here the device does it on its own for what the stack
 * queued, the way Linux's GSO is invisible to a socket's peer.
 *
 * A datagram joins the run queued just before it when both are Ethernet II
 * (untagged) + IPv4 without options, not fragments, UDP with a partial
 * checksum (the stack left it to the device: `TxMeta.checksumStart` at the
 * UDP header), the same MACs, TOS, flags, TTL, addresses and ports, the
 * next IPv4 id, and its payload is no longer than the first one's (a shorter
 * one ends the run, as USO's last segment may be shorter). Runs stop at
 * `USO_MAX_SEGMENTS` segments and at a 65,535-byte IPv4 packet.
 */

/** Ethernet + IPv4 (no options) + UDP: the bytes before a coalesced frame's payload (virtio `hdr_len`). */
export const UDP_FRAME_HEADERS = 14 + 20 + 8;
/** Most datagrams in one coalesced frame (Linux's UDP_MAX_SEGMENTS is 128 since 6.x, 64 before). */
export const USO_MAX_SEGMENTS = 64;

const ETH_TYPE = 12;
const IP = 14;
const IP_TOTAL_LEN = IP + 2;
const IP_ID = IP + 4;
const IP_FLAGS_FRAG = IP + 6;
const IP_TTL = IP + 8;
const IP_PROTOCOL = IP + 9;
const IP_CHECKSUM = IP + 10;
const IP_SRC = IP + 12;
const UDP = IP + 20;
const UDP_LEN = UDP + 4;
const UDP_CHECKSUM = UDP + 6;
/** IPv4 MF flag and fragment offset bits. */
const FRAGMENT_BITS = 0x3fff;

/**
 * The UDP payload length of `frame` when it can start or join a coalesced
 * run (see above), else -1. Headers are checked for consistency (IPv4 total
 * length and UDP length agree and fit the frame: the frame may carry
 * Ethernet padding after them).
 */
export function udpSegmentPayload(frame: Uint8Array, meta: TxMeta | undefined): number {
  if (meta === undefined || meta.checksumStart !== UDP || meta.checksumOffset !== 6 || (meta.gsoSize ?? 0) > 0) return -1;
  if (frame.length < UDP_FRAME_HEADERS || readU16(frame, ETH_TYPE) !== EtherType.IPv4) return -1;
  if (frame[IP] !== 0x45 || frame[IP_PROTOCOL] !== IpProtocol.UDP) return -1;
  if ((readU16(frame, IP_FLAGS_FRAG) & FRAGMENT_BITS) !== 0) return -1;
  const total = readU16(frame, IP_TOTAL_LEN);
  const udpLen = readU16(frame, UDP_LEN);
  if (udpLen !== total - 20 || IP + total > frame.length || udpLen <= 8) return -1;
  return udpLen - 8;
}

/**
 * Appends the UDP datagram `frame` (`payload` bytes, checked by
 * `udpSegmentPayload`) to the run whose first frame is at `buf[head..]`
 * (its virtio header at `vnet`), which holds `segments` datagrams of
 * `segmentSize` bytes (the last may be shorter), when it is of the same flow
 * and the grown packet fits both 65,535 bytes and `buf`. Returns where the
 * run now ends in `buf`, or -1 (nothing written).
 */
export function appendToUdpRun(buf: Uint8Array, vnet: number, head: number, frame: Uint8Array, payload: number, segmentSize: number, segments: number): number {
  // The run ends at its IPv4 packet (Ethernet padding of a lone first datagram is cut off).
  const total = readU16(buf, head + IP_TOTAL_LEN);
  const end = head + IP + total;
  if (total + payload > 0xffff || end + payload > buf.length || !sameUdpFlow(buf, head, frame, segments)) return -1;
  copyUdpPayload(frame, payload, buf, end);
  growUdpRun(buf, vnet, head, total, payload, segmentSize);
  return end + payload;
}

/** True when `frame` carries the same flow as the run's first frame at `buf[head..]` and the id that follows its `segments` datagrams. */
function sameUdpFlow(buf: Uint8Array, head: number, frame: Uint8Array, segments: number): boolean {
  // MACs and EtherType.
  for (let i = 0; i < IP; i++) if (buf[head + i] !== frame[i]) return false;
  if (buf[head + IP + 1] !== frame[IP + 1]) return false; // TOS
  if (readU16(frame, IP_ID) !== ((readU16(buf, head + IP_ID) + segments) & 0xffff)) return false;
  if (readU16(buf, head + IP_FLAGS_FRAG) !== readU16(frame, IP_FLAGS_FRAG)) return false;
  if (buf[head + IP_TTL] !== frame[IP_TTL]) return false;
  // Addresses (8 bytes) and ports (4 bytes) are contiguous.
  for (let i = IP_SRC; i < UDP + 4; i++) if (buf[head + i] !== frame[i]) return false;
  return true;
}

/** Copies the UDP payload of `frame` (`payload` bytes) to `buf[at..]`: a loop for small ones (no view to allocate). */
function copyUdpPayload(frame: Uint8Array, payload: number, buf: Uint8Array, at: number): void {
  if (payload <= 64) {
    for (let i = 0; i < payload; i++) buf[at + i] = frame[UDP_FRAME_HEADERS + i]!;
  } else {
    buf.set(frame.subarray(UDP_FRAME_HEADERS, UDP_FRAME_HEADERS + payload), at);
  }
}

/**
 * Grows the run's first frame at `head` (IPv4 total length `total`, its
 * virtio header at `vnet`) by `added` payload bytes already copied after
 * it: IPv4 total length and header checksum (RFC 1624), UDP length and the
 * partial checksum it holds (the pseudo-header sum, whose length term
 * changes), and the virtio header (GSO_UDP_L4, hdr_len, gso_size =
 * `segmentSize`).
 */
function growUdpRun(buf: Uint8Array, vnet: number, head: number, total: number, added: number, segmentSize: number): void {
  const newTotal = total + added;
  writeU16(buf, head + IP_TOTAL_LEN, newTotal);
  writeU16(buf, head + IP_CHECKSUM, updateChecksum16(readU16(buf, head + IP_CHECKSUM), total, newTotal));
  const udpLen = total - 20;
  const newUdpLen = newTotal - 20;
  writeU16(buf, head + UDP_LEN, newUdpLen);
  // Partial checksum: a folded, uncomplemented sum; the length word appears in the
  // pseudo-header (and in the UDP header, which the kernel sums itself).
  writeU16(buf, head + UDP_CHECKSUM, fold(readU16(buf, head + UDP_CHECKSUM) + (~udpLen & 0xffff) + newUdpLen));
  buf[vnet + VnetField.GSO_TYPE] = VnetGso.UDP_L4;
  writeU16LE(buf, vnet + VnetField.HDR_LEN, UDP_FRAME_HEADERS);
  writeU16LE(buf, vnet + VnetField.GSO_SIZE, segmentSize);
}

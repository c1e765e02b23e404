import type { TxMeta } from '@stack/interfaces';
import { StackError } from '@stack/interfaces';
import { checksum, completePartialChecksum, fail, ok, pseudoHeaderSum, readU16, readU32, writeU16, writeU32, type ParseResult } from '@stack/wire';
import { Eth, TPID_8021AD, TPID_8021Q } from '../ethernet.js';
import { ETHERTYPE_IPV4, FRAGMENT_BITS, Ip, PROTOCOL_TCP, Tcp } from './headers.js';

// What a NIC (or Linux, when the NIC cannot) does with the offload requests of
// `TxMeta`, for a device whose peer does not take them: cut a GSO frame into
// wire-size TCP segments (Linux skb_gso_segment → inet_gso_segment →
// tcp_gso_segment), and complete a partial checksum (skb_checksum_help).
// Headers are read by named offset (RFC 791 §3.1, RFC 9293 §3.1).

/** Smallest frame a NIC puts on the wire, without FCS (IEEE 802.3 §4.2.3.3); + 4 per VLAN tag, as `@stack/ethif` pads. */
const MIN_FRAME = 60;

/** Where the headers of an Ethernet + IPv4 + TCP frame are. */
interface TcpFrame {
  /** Offset of the IPv4 header (14, + 4 per VLAN tag). */
  readonly l3: number;
  /** Offset of the TCP header. */
  readonly l4: number;
  /** Offset of the TCP payload: the end of the headers copied into every segment. */
  readonly data: number;
  /** End of the IP packet (Ethernet padding excluded). */
  readonly end: number;
}

/** Locates the headers of an Ethernet (up to two VLAN tags) + IPv4 + TCP frame; a WireError if it is not one. */
function locate(frame: Uint8Array): ParseResult<TcpFrame> {
  if (frame.length < Eth.HEADER) return fail('truncated', 0, `${frame.length}-byte frame has no Ethernet header`);
  let l3 = Eth.HEADER;
  let type = readU16(frame, Eth.TYPE);
  for (let tags = 0; (type === TPID_8021Q || type === TPID_8021AD) && tags < 2; tags++) {
    if (frame.length < l3 + Eth.TAG) return fail('truncated', l3, 'VLAN tag cut short');
    type = readU16(frame, l3 + 2);
    l3 += Eth.TAG;
  }
  if (type !== ETHERTYPE_IPV4) return fail('unsupported', l3 - 2, `EtherType 0x${type.toString(16)}: software GSO cuts IPv4 TCP only`);
  if (frame.length < l3 + Ip.MIN) return fail('truncated', l3, 'IPv4 header cut short');
  const vihl = frame[l3 + Ip.VIHL]!;
  const ihl = (vihl & 0x0f) * 4;
  if (vihl >>> 4 !== 4 || ihl < Ip.MIN) return fail('malformed', l3, `version/IHL byte 0x${vihl.toString(16)}`);
  const total = readU16(frame, l3 + Ip.TOTAL_LENGTH);
  const end = l3 + total;
  if (total < ihl || end > frame.length) return fail('malformed', l3 + Ip.TOTAL_LENGTH, `total length ${total} does not fit the ${frame.length - l3}-byte packet`);
  if (frame[l3 + Ip.PROTOCOL] !== PROTOCOL_TCP) return fail('unsupported', l3 + Ip.PROTOCOL, `protocol ${frame[l3 + Ip.PROTOCOL]}: software GSO cuts TCP only`);
  if ((readU16(frame, l3 + Ip.FLAGS_FRAGMENT) & FRAGMENT_BITS) !== 0) return fail('malformed', l3 + Ip.FLAGS_FRAGMENT, 'a fragment cannot be a GSO frame');
  const l4 = l3 + ihl;
  if (end < l4 + Tcp.MIN) return fail('truncated', l4, 'TCP header cut short');
  const thl = (frame[l4 + Tcp.DATA_OFFSET]! >>> 4) * 4;
  if (thl < Tcp.MIN || l4 + thl > end) return fail('malformed', l4 + Tcp.DATA_OFFSET, `TCP data offset ${thl / 4}`);
  return ok({ l3, l4, data: l4 + thl, end });
}

/**
 * Length of the largest segment `segmentGso(frame, gsoSize)` would cut (the
 * frame length of the first one, before padding), or -1 when `frame` is not
 * an IPv4 TCP frame. What a wire fault sees of a GSO frame (an MTU check).
 */
export function gsoSegmentLength(frame: Uint8Array, gsoSize: number): number {
  const r = locate(frame);
  if (!r.ok) return -1;
  const { data, end } = r.value;
  return data + Math.min(gsoSize, end - data);
}

/**
 * Cuts a GSO frame (Ethernet, up to two VLAN tags, IPv4, TCP) into segments
 * of at most `gsoSize` TCP payload bytes, as a NIC with TSO or Linux's
 * tcp_gso_segment does: each segment carries a copy of the headers (options
 * included) with the IPv4 total length, the identification (+1 per segment
 * from the frame's, wrapping), the header checksum, the TCP sequence number
 * (advanced by the payload before it) and the TCP checksum (computed in full,
 * RFC 9293 §3.1 with the RFC 768-style pseudo-header) rewritten; FIN and PSH
 * stay on the last segment only, CWR on the first only (RFC 3168 §6.1.2).
 * Whatever the checksum field held (a partial sum or a full one) is ignored.
 * A frame with no more than `gsoSize` payload bytes becomes one segment with
 * its checksums filled in. Segments are padded with zeros to 60 bytes (64
 * with one tag, 68 with two) as the wire needs. They are views of one new
 * buffer, owned by the caller (taken from `alloc` when given; every byte
 * is written, so it need not be zeroed). Never throws: a frame that is not IPv4 TCP, or is malformed, is a
 * WireError.
 */
export function segmentGso(frame: Uint8Array, gsoSize: number, alloc?: (bytes: number) => Uint8Array): ParseResult<Uint8Array[]> {
  if (!(Number.isInteger(gsoSize) && gsoSize >= 1)) return fail('malformed', 0, `gsoSize ${gsoSize} (want an integer >= 1)`);
  const r = locate(frame);
  if (!r.ok) return r;
  const { l3, l4, data, end } = r.value;
  const payload = end - data;
  const count = payload === 0 ? 1 : Math.ceil(payload / gsoSize);
  const minFrame = MIN_FRAME + (l3 - Eth.HEADER);
  const full = data + gsoSize;
  const lastPayload = payload - (count - 1) * gsoSize;
  const lastLen = Math.max(data + lastPayload, minFrame);
  const firstLen = Math.max(full, minFrame);
  const size = (count - 1) * firstLen + lastLen;
  const out = alloc === undefined ? new Uint8Array(size) : alloc(size);
  const ihl = l4 - l3;
  const thl = data - l4;
  const id = readU16(frame, l3 + Ip.ID);
  const seq = readU32(frame, l4 + Tcp.SEQ);
  const flags = frame[l4 + Tcp.FLAGS]!;
  const src = readU32(frame, l3 + Ip.SRC);
  const dst = readU32(frame, l3 + Ip.DST);
  const segments: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const off = i * gsoSize;
    const n = i === count - 1 ? lastPayload : gsoSize;
    const len = i === count - 1 ? lastLen : firstLen;
    const seg = out.subarray(at, at + len);
    at += len;
    seg.set(frame.subarray(0, data));
    seg.set(frame.subarray(data + off, data + off + n), data);
    if (data + n < len) seg.fill(0, data + n); // Ethernet padding (memory from `alloc` may be reused)
    writeU16(seg, l3 + Ip.TOTAL_LENGTH, ihl + thl + n);
    writeU16(seg, l3 + Ip.ID, (id + i) & 0xffff);
    writeU16(seg, l3 + Ip.CHECKSUM, 0);
    writeU16(seg, l3 + Ip.CHECKSUM, checksum(seg, l3, l4));
    writeU32(seg, l4 + Tcp.SEQ, (seq + off) >>> 0);
    let f = flags;
    if (i !== count - 1) f &= ~(Tcp.FIN | Tcp.PSH);
    if (i !== 0) f &= ~Tcp.CWR;
    seg[l4 + Tcp.FLAGS] = f;
    writeU16(seg, l4 + Tcp.CHECKSUM, 0);
    writeU16(seg, l4 + Tcp.CHECKSUM, checksum(seg, l4, data + n, pseudoHeaderSum(src, dst, PROTOCOL_TCP, thl + n)));
    segments.push(seg);
  }
  return ok(segments);
}

/**
 * Throws ERR_INVALID_ARGUMENT unless `meta`'s checksum field
 * (`checksumStart + checksumOffset`, 2 bytes) lies inside the frame, after
 * the Ethernet header. Misuse by the sender, not bad input.
 */
export function checkChecksumMeta(frame: Uint8Array, meta: TxMeta, where: string): void {
  const start = meta.checksumStart!;
  const field = start + (meta.checksumOffset ?? 0);
  if (!(Number.isInteger(start) && Number.isInteger(field) && start >= Eth.HEADER && field >= start && field + 2 <= frame.length)) {
    throw new StackError(
      'ERR_INVALID_ARGUMENT',
      `${where}: checksumStart ${start} + checksumOffset ${String(meta.checksumOffset)} is outside the ${frame.length}-byte frame`,
    );
  }
}

/**
 * Completes a partial checksum as virtio (NEEDS_CSUM) and Linux's
 * skb_checksum_help do: the field at `checksumStart + checksumOffset` holds
 * the folded pseudo-header sum; the internet checksum (RFC 1071) of
 * everything from `checksumStart` to the end of the frame replaces it, 0
 * written as 0xffff (the same in ones' complement; UDP needs the latter).
 * Ethernet padding is zeros and adds nothing. Check the offsets first
 * (`checkChecksumMeta`).
 */
export function completeChecksum(frame: Uint8Array, checksumStart: number, checksumOffset: number): void {
  completePartialChecksum(frame, checksumStart, frame.length, checksumStart + checksumOffset);
}

/**
 * Resolves a frame's offload requests in software: a GSO frame
 * (`meta.gsoSize` > 0) is cut with `segmentGso`, a partial checksum
 * completed with `completeChecksum` on a copy. Returns the frames the wire
 * carries, owned by the caller (never `frame` itself), or a WireError for a
 * GSO frame that is not IPv4 TCP. Check the checksum offsets first.
 */
export function resolveOffloads(frame: Uint8Array, meta: TxMeta): ParseResult<Uint8Array[]> {
  const gsoSize = meta.gsoSize ?? 0;
  if (gsoSize > 0) return segmentGso(frame, gsoSize);
  const copy = frame.slice();
  if (meta.checksumStart !== undefined) completeChecksum(copy, meta.checksumStart, meta.checksumOffset ?? 0);
  return ok([copy]);
}

import type { RxMeta } from '@stack/interfaces';
import { checksum, fold, pseudoHeaderSum, readU16, readU32, sumWords, writeU16 } from '@stack/wire';
import { Eth } from '../ethernet.js';
import { ETHERTYPE_IPV4, FRAGMENT_BITS, Ip, PROTOCOL_TCP, Tcp } from './headers.js';

// Generic receive offload in software, as Linux's napi_gro_receive does for
// a NIC without LRO (net/ipv4/tcp_offload.c, tcp_gro_receive): TCP segments
// of one flow that arrive in one batch, in order, with the same ACK, window
// and options, are handed up as one segment of up to 64 KiB, so the layers
// above pay their per-segment cost once per batch instead of once per frame.
// Headers are read by named offset (RFC 791 §3.1, RFC 9293 §3.1).

/** Flags a segment may carry and still be merged: ACK, and PSH (which ends the merge). Linux flushes on any other. */
const MERGEABLE_FLAGS = Tcp.ACK_FLAG | Tcp.PSH;
/** The largest IP packet (the total length field's limit). */
const MAX_PACKET = 0xffff;
/** Offsets of the headers of a frame: Ethernet (untagged) + IPv4 without options + TCP. */
const L3 = Eth.HEADER;
const L4 = L3 + Ip.MIN;

/** Counters of the coalescer. */
export interface GroStats {
  /** Segments that went up inside a coalesced one. */
  merged: number;
  /** Coalesced segments handed up (each made of two or more). */
  packets: number;
}

/**
 * Merges consecutive TCP segments of one flow from a receive batch. `push`
 * each received frame, then `flush` at the end of the batch (a NAPI poll's
 * end); frames that cannot merge go up as they are, in the order they came.
 *
 * A segment joins the one held when it is IPv4 (no options, not a fragment)
 * + TCP with payload, flags ACK or ACK|PSH only, from the same flow, its
 * sequence number right after the held bytes, the same ACK number, window
 * and options bytes (timestamps included), the same Ethernet header, TOS
 * (ECN bits), TTL and DF, no longer than the first
 * segment (the sender's MSS), and the total stays within 65,535 bytes of IP
 * packet; a PSH, or a segment shorter than the first, ends the merge. Checksums are verified per segment unless
 * the device did (`RxMeta.checksumVerified`); a segment that fails goes up
 * alone, unverified, so TCP counts it. A coalesced segment carries correct
 * IPv4 and TCP checksums (the TCP one added up from the segments' sums,
 * without reading the payload again) and goes up flagged verified.
 *
 * Held frames are kept by reference until `flush`: the device must not
 * reuse their memory within the batch (a memory link's slab never does).
 * The coalesced frame is a view of one scratch buffer, valid during the
 * handler call, as every received frame is.
 */
export class TcpCoalescer {
  /** Frames held for the current merge, in order. */
  private readonly held: Uint8Array[] = [];
  /** Per held frame: the unfolded sum of its TCP payload (even-aligned within the frame). */
  private readonly sums: number[] = [];
  // The flow and the fields every merged segment must share, from the first held frame.
  private src = 0;
  private dst = 0;
  private ports = 0;
  private ack = 0;
  private window = 0;
  private thl = 0;
  /** Payload bytes of the first held segment: no later one may be longer. */
  private mss = 0;
  /** Sequence number the next segment must carry. */
  private nextSeq = 0;
  /** Payload bytes held. */
  private payload = 0;
  private scratch = new Uint8Array(0);
  private readonly verifiedMeta: RxMeta = { checksumVerified: true, checksumPartial: false };

  constructor(
    private readonly up: (frame: Uint8Array, meta: RxMeta) => void,
    /** Where to count (a device's stats); a fresh record by default. */
    readonly stats: GroStats = { merged: 0, packets: 0 },
  ) {}

  /** Takes one received frame (it must stay unchanged until `flush`). */
  push(frame: Uint8Array, meta: RxMeta): void {
    const payloadSum = meta.checksumPartial ? -1 : this.candidate(frame, meta.checksumVerified);
    if (payloadSum < 0) {
      this.flush();
      this.up(frame, meta);
      return;
    }
    const total = readU16(frame, L3 + Ip.TOTAL_LENGTH);
    const thl = (frame[L4 + Tcp.DATA_OFFSET]! >>> 4) * 4;
    const n = total - Ip.MIN - thl;
    if (this.held.length > 0 && !this.joins(frame, thl, n)) this.flush();
    if (this.held.length === 0) {
      this.src = readU32(frame, L3 + Ip.SRC);
      this.dst = readU32(frame, L3 + Ip.DST);
      this.ports = readU32(frame, L4 + Tcp.SRC_PORT);
      this.ack = readU32(frame, L4 + Tcp.ACK);
      this.window = readU16(frame, L4 + Tcp.WINDOW);
      this.thl = thl;
      this.mss = n;
      this.nextSeq = readU32(frame, L4 + Tcp.SEQ);
      this.payload = 0;
    }
    this.held.push(frame);
    this.sums.push(payloadSum);
    this.payload += n;
    this.nextSeq = (this.nextSeq + n) >>> 0;
    // A PSH, or a segment shorter than the first (the sender's last of a burst), ends the merge, as in Linux.
    if ((frame[L4 + Tcp.FLAGS]! & Tcp.PSH) !== 0 || n < this.mss) this.flush();
  }

  /** Hands up what is held: one frame as it came, several as one coalesced segment. */
  flush(): void {
    const count = this.held.length;
    if (count === 0) return;
    if (count === 1) {
      // Alone: up as it came, its checksums now known good.
      const frame = this.held[0]!;
      this.clear();
      this.up(frame, this.verifiedMeta);
      return;
    }
    const first = this.held[0]!;
    const data = L4 + this.thl;
    const size = data + this.payload;
    if (this.scratch.length < size) this.scratch = new Uint8Array(Math.max(size, 65_536 + data));
    const out = this.scratch.subarray(0, size);
    out.set(first.subarray(0, data));
    let at = data;
    let payloadSum = 0;
    let flags = 0;
    for (let i = 0; i < count; i++) {
      const f = this.held[i]!;
      const end = L3 + readU16(f, L3 + Ip.TOTAL_LENGTH);
      out.set(f.subarray(data, end), at);
      // A payload that starts at an odd offset of the merged one adds its bytes swapped (RFC 1071 §2(B)).
      const s = fold(this.sums[i]!);
      payloadSum += ((at - data) & 1) === 0 ? s : ((s & 0xff) << 8) | (s >>> 8);
      at += end - data;
      flags |= f[L4 + Tcp.FLAGS]!;
    }
    writeU16(out, L3 + Ip.TOTAL_LENGTH, size - L3);
    writeU16(out, L3 + Ip.CHECKSUM, 0);
    writeU16(out, L3 + Ip.CHECKSUM, checksum(out, L3, L4));
    out[L4 + Tcp.FLAGS] = flags;
    writeU16(out, L4 + Tcp.CHECKSUM, 0);
    const sum = sumWords(out, L4, data, pseudoHeaderSum(this.src, this.dst, PROTOCOL_TCP, size - L4) + payloadSum);
    writeU16(out, L4 + Tcp.CHECKSUM, ~fold(sum) & 0xffff);
    this.stats.merged += count;
    this.stats.packets++;
    this.clear();
    this.up(out, this.verifiedMeta);
  }

  /** Forgets what is held without handing it up (the device closed). */
  clear(): void {
    this.held.length = 0;
    this.sums.length = 0;
    this.payload = 0;
  }

  /**
   * The unfolded sum of the TCP payload when `frame` may be merged (an
   * untagged IPv4 TCP data segment with mergeable flags and valid
   * checksums); -1 when it goes up alone.
   */
  private candidate(frame: Uint8Array, verified: boolean): number {
    if (frame.length < L4 + Tcp.MIN || readU16(frame, Eth.TYPE) !== ETHERTYPE_IPV4) return -1;
    if (frame[L3 + Ip.VIHL] !== 0x45 || frame[L3 + Ip.PROTOCOL] !== PROTOCOL_TCP) return -1;
    if ((readU16(frame, L3 + Ip.FLAGS_FRAGMENT) & FRAGMENT_BITS) !== 0) return -1;
    const total = readU16(frame, L3 + Ip.TOTAL_LENGTH);
    const end = L3 + total;
    if (end > frame.length) return -1;
    const thl = (frame[L4 + Tcp.DATA_OFFSET]! >>> 4) * 4;
    const data = L4 + thl;
    if (thl < Tcp.MIN || data >= end) return -1; // no payload (or a bad offset): nothing to merge
    const flags = frame[L4 + Tcp.FLAGS]!;
    if ((flags & ~MERGEABLE_FLAGS) !== 0 || (flags & Tcp.ACK_FLAG) === 0) return -1;
    const payloadSum = sumWords(frame, data, end);
    if (!verified) {
      if (fold(sumWords(frame, L3, L4)) !== 0xffff) return -1;
      const src = readU32(frame, L3 + Ip.SRC);
      const dst = readU32(frame, L3 + Ip.DST);
      const headerSum = sumWords(frame, L4, data, pseudoHeaderSum(src, dst, PROTOCOL_TCP, end - L4));
      if (fold(headerSum + fold(payloadSum)) !== 0xffff) return -1;
    }
    return payloadSum;
  }

  /** True when the segment continues the one held (same flow, in order, same ACK, window and options). */
  private joins(frame: Uint8Array, thl: number, n: number): boolean {
    if (thl !== this.thl || n > this.mss || Ip.MIN + thl + this.payload + n > MAX_PACKET) return false;
    if (readU32(frame, L4 + Tcp.SEQ) !== this.nextSeq || readU32(frame, L4 + Tcp.ACK) !== this.ack) return false;
    if (readU32(frame, L3 + Ip.SRC) !== this.src || readU32(frame, L3 + Ip.DST) !== this.dst) return false;
    // The Ethernet header (dev_gro_receive), then TOS (DSCP and the ECN bits: a CE mark must not vanish into
    // the first segment's header), TTL and DF as the first segment's, as Linux's inet_gro_receive asks.
    const first = this.held[0]!;
    if (readU32(frame, 0) !== readU32(first, 0) || readU32(frame, 4) !== readU32(first, 4) || readU32(frame, 8) !== readU32(first, 8)) return false;
    if (frame[L3 + Ip.TOS] !== first[L3 + Ip.TOS] || frame[L3 + Ip.TTL] !== first[L3 + Ip.TTL] || frame[L3 + Ip.FLAGS_FRAGMENT] !== first[L3 + Ip.FLAGS_FRAGMENT]) return false;
    if (readU32(frame, L4 + Tcp.SRC_PORT) !== this.ports || readU16(frame, L4 + Tcp.WINDOW) !== this.window) return false;
    for (let i = L4 + Tcp.MIN; i < L4 + thl; i++) if (frame[i] !== first[i]) return false;
    return true;
  }
}

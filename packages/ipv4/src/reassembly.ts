import type { Ipv4Address } from '@stack/interfaces';
import { checksum, readU16, readU32, writeU16 } from '@stack/wire';
import { FRAGMENT_UNIT, Ipv4Field as F, Ipv4Flags } from './wire/fields.js';

/** Limits of a `Reassembler` (the `reassembly*` and `maxDatagramSize` fields of `Ipv4Config`). */
export interface ReassemblyLimits {
  /** Datagrams being reassembled at once, at most. */
  readonly maxDatagrams: number;
  /** Bytes held (fragment payloads plus first-fragment headers), all datagrams, at most. */
  readonly maxBytes: number;
  /** A datagram still incomplete this long after its first fragment arrived is discarded, ms. */
  readonly timeout: number;
  /** Largest reassembled datagram, header included, bytes. */
  readonly maxDatagramSize: number;
}

/** Why a fragment was not kept. */
export type ReassemblyDropReason =
  /** An exact copy (same offset and length) of a fragment already held; the datagram goes on. */
  | 'duplicate'
  /** It overlaps a held fragment without being an exact copy: the whole datagram was discarded. */
  | 'overlap'
  /** A limit (datagrams, bytes, datagram size) was hit: the fragment, and its datagram if any, were discarded. */
  | 'limit'
  /** Inconsistent with the format (non-final fragment not a multiple of 8, past the known end...). */
  | 'malformed';

/** What `Reassembler.add` did with a fragment. */
export type ReassemblyResult =
  | { readonly status: 'held' }
  | { readonly status: 'dropped'; readonly reason: ReassemblyDropReason }
  | {
      readonly status: 'complete';
      /** The reassembled datagram: the first fragment's header (total length, flags and checksum fixed) and the whole payload. */
      readonly packet: Uint8Array;
      /** Every fragment arrived with `checksumVerified` set. */
      readonly checksumVerified: boolean;
    };

/** A datagram discarded because its timer ran out (RFC 791 §3.2, RFC 1122 §3.3.2). */
export interface ExpiredDatagram {
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly protocol: number;
  readonly identification: number;
  /**
   * The first fragment (header and its payload) when it had arrived, to
   * quote in an ICMP time exceeded (RFC 792: only then is one sent); else null.
   */
  readonly firstFragment: Uint8Array | null;
}

/** One datagram being reassembled, as `inspect()` shows it. */
export interface ReassemblySnapshot {
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly protocol: number;
  readonly identification: number;
  /** Payload bytes received. */
  readonly received: number;
  /** Payload length, known once the last fragment (MF clear) arrived; else null. */
  readonly total: number | null;
  /** Missing payload ranges [first, last) (RFC 815's hole list); the last one open-ended (Infinity) until the end is known. */
  readonly holes: readonly (readonly [number, number])[];
  /** Absolute time (ms) the datagram is discarded. */
  readonly deadline: number;
}

interface Fragment {
  readonly offset: number;
  readonly end: number;
  readonly data: Uint8Array;
}

interface Pending {
  readonly key: string;
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly protocol: number;
  readonly identification: number;
  readonly deadline: number;
  /** Held fragments, sorted by offset, never overlapping. */
  readonly frags: Fragment[];
  /** Payload bytes held (no overlaps, so also bytes covered). */
  received: number;
  /** Payload length once the last fragment arrived, else -1. */
  total: number;
  /** The first fragment's header (options included), once it arrived. */
  header: Uint8Array | null;
  /** Bytes this datagram holds: `received` plus the header. */
  bytes: number;
  verified: boolean;
}

const HELD: ReassemblyResult = { status: 'held' };
const DROP_DUPLICATE: ReassemblyResult = { status: 'dropped', reason: 'duplicate' };
const DROP_OVERLAP: ReassemblyResult = { status: 'dropped', reason: 'overlap' };
const DROP_LIMIT: ReassemblyResult = { status: 'dropped', reason: 'limit' };
const DROP_MALFORMED: ReassemblyResult = { status: 'dropped', reason: 'malformed' };

/**
 * IPv4 fragment reassembly (RFC 791 §3.2, RFC 815, RFC 1122 §3.3.2), sans I/O:
 * time comes in as `now`, and the layer asks `nextDeadline()` when to call
 * `expire()`.
 *
 * Datagrams are keyed by (source, destination, protocol, identification).
 * Each keeps its fragments as copies, sorted by offset; the holes are the
 * gaps between them. The rules, chosen for robustness against hostile
 * fragments:
 *  - Overlap (RFC 5722's rule, which Linux and others also apply to IPv4):
 *    a fragment overlapping a held one discards the whole datagram. An exact
 *    duplicate (same offset and length), as a network may produce, is
 *    ignored and reassembly goes on (RFC 8200 §4.5 allows this).
 *  - Limits: when a new fragment would exceed `maxDatagrams` or `maxBytes`,
 *    it is dropped — and so is its datagram if one was in flight, since it
 *    can no longer complete. Datagrams already in flight are never evicted
 *    to make room (as Linux does since 4.17): a flood cannot flush
 *    legitimate datagrams, it can only wait for their timeouts.
 *  - A datagram that would exceed `maxDatagramSize` (or 65 535, the
 *    "ping of death") is discarded as soon as a fragment reveals it.
 *  - Timeout: counted from the first fragment to arrive, never extended.
 *    Because every datagram gets the same timeout, insertion order is
 *    deadline order, and the earliest deadline is the first entry.
 *  - A tiny first fragment (RFC 1858) needs no special case here: the
 *    datagram is only handed up whole.
 */
export class Reassembler {
  private readonly pending = new Map<string, Pending>();
  private heldBytes = 0;

  constructor(private readonly limits: ReassemblyLimits) {}

  /** Datagrams being reassembled. */
  get datagrams(): number {
    return this.pending.size;
  }

  /** Bytes held, all datagrams (what `maxBytes` limits). */
  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Takes one fragment: `packet` is a whole validated IPv4 datagram (header
   * included, exactly Total Length long) with MF set or a non-zero offset.
   * The bytes are copied; `packet` may be reused after the call.
   */
  add(packet: Uint8Array, now: number, checksumVerified: boolean): ReassemblyResult {
    const headerLength = (packet[F.VERSION_IHL]! & 0x0f) * 4;
    const flags = readU16(packet, F.FLAGS_FRAGMENT);
    const more = (flags & Ipv4Flags.MF) !== 0;
    const offset = (flags & Ipv4Flags.OFFSET_MASK) * FRAGMENT_UNIT;
    const length = packet.length - headerLength;
    const end = offset + length;
    // Every fragment but the last carries a non-empty multiple of 8 (RFC 791 §3.2).
    if (more && (length === 0 || length % FRAGMENT_UNIT !== 0)) return DROP_MALFORMED;

    const src = readU32(packet, F.SRC);
    const dst = readU32(packet, F.DST);
    const protocol = packet[F.PROTOCOL]!;
    const identification = readU16(packet, F.IDENTIFICATION);
    const key = `${src}:${dst}:${protocol}:${identification}`;
    let dg = this.pending.get(key);

    const minHeader = offset === 0 ? headerLength : 20;
    if (minHeader + end > this.limits.maxDatagramSize) {
      if (dg) this.discard(dg);
      return DROP_LIMIT;
    }

    if (dg) {
      // The end of the datagram, once known, is fixed.
      if (dg.total >= 0 && (end > dg.total || (!more && end !== dg.total))) {
        this.discard(dg);
        return DROP_MALFORMED;
      }
      if (!more && dg.frags.length > 0 && dg.frags[dg.frags.length - 1]!.end > end) {
        this.discard(dg);
        return DROP_MALFORMED;
      }
    }

    // Where the fragment goes, and whether it overlaps a neighbour.
    let pos = 0;
    if (dg) {
      const frags = dg.frags;
      let lo = 0;
      let hi = frags.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (frags[mid]!.offset < offset) lo = mid + 1;
        else hi = mid;
      }
      pos = lo;
      const next = frags[pos];
      if (next !== undefined && next.offset === offset && next.end === end) return DROP_DUPLICATE;
      const prev = pos > 0 ? frags[pos - 1]! : undefined;
      if ((prev !== undefined && prev.end > offset) || (next !== undefined && next.offset < end)) {
        this.discard(dg);
        return DROP_OVERLAP;
      }
    }

    const cost = length + (offset === 0 ? headerLength : 0);
    if (this.heldBytes + cost > this.limits.maxBytes || (!dg && this.pending.size >= this.limits.maxDatagrams)) {
      if (dg) this.discard(dg);
      return DROP_LIMIT;
    }

    if (!dg) {
      dg = {
        key,
        src,
        dst,
        protocol,
        identification,
        deadline: now + this.limits.timeout,
        frags: [],
        received: 0,
        total: -1,
        header: null,
        bytes: 0,
        verified: true,
      };
      this.pending.set(key, dg);
    }

    const data = new Uint8Array(length);
    data.set(packet.subarray(headerLength));
    dg.frags.splice(pos, 0, { offset, end, data });
    dg.received += length;
    if (offset === 0) dg.header = packet.slice(0, headerLength);
    if (!more) dg.total = end;
    if (!checksumVerified) dg.verified = false;
    dg.bytes += cost;
    this.heldBytes += cost;

    if (dg.total < 0 || dg.received !== dg.total || dg.header === null) return HELD;
    const out = this.assemble(dg);
    this.discard(dg);
    if (out === null) return DROP_LIMIT;
    return { status: 'complete', packet: out, checksumVerified: dg.verified };
  }

  /** The time of the earliest deadline, or undefined when nothing is held. */
  nextDeadline(): number | undefined {
    for (const dg of this.pending.values()) return dg.deadline;
    return undefined;
  }

  /** Discards every datagram whose deadline is at or before `now` and returns them. */
  expire(now: number): ExpiredDatagram[] {
    const out: ExpiredDatagram[] = [];
    for (const dg of this.pending.values()) {
      if (dg.deadline > now) break; // insertion order is deadline order
      this.discard(dg);
      let firstFragment: Uint8Array | null = null;
      const first = dg.frags[0];
      if (dg.header !== null && first !== undefined && first.offset === 0) {
        firstFragment = new Uint8Array(dg.header.length + first.data.length);
        firstFragment.set(dg.header);
        firstFragment.set(first.data, dg.header.length);
      }
      out.push({ src: dg.src, dst: dg.dst, protocol: dg.protocol, identification: dg.identification, firstFragment });
    }
    return out;
  }

  /** The datagrams held, with their holes, for `inspect()` and tests. */
  snapshot(): ReassemblySnapshot[] {
    const out: ReassemblySnapshot[] = [];
    for (const dg of this.pending.values()) {
      const holes: [number, number][] = [];
      let at = 0;
      for (const f of dg.frags) {
        if (f.offset > at) holes.push([at, f.offset]);
        at = Math.max(at, f.end);
      }
      if (dg.total < 0) holes.push([at, Infinity]);
      else if (at < dg.total) holes.push([at, dg.total]);
      out.push({
        src: dg.src,
        dst: dg.dst,
        protocol: dg.protocol,
        identification: dg.identification,
        received: dg.received,
        total: dg.total < 0 ? null : dg.total,
        holes,
        deadline: dg.deadline,
      });
    }
    return out;
  }

  /** Drops everything held. */
  clear(): void {
    this.pending.clear();
    this.heldBytes = 0;
  }

  private discard(dg: Pending): void {
    if (this.pending.delete(dg.key)) this.heldBytes -= dg.bytes;
  }

  /** Builds the whole datagram; null if it would exceed the size limit (options in the first header). */
  private assemble(dg: Pending): Uint8Array | null {
    const header = dg.header!;
    const totalLength = header.length + dg.total;
    if (totalLength > this.limits.maxDatagramSize) return null;
    const out = new Uint8Array(totalLength);
    out.set(header);
    for (const f of dg.frags) out.set(f.data, header.length + f.offset);
    writeU16(out, F.TOTAL_LENGTH, totalLength);
    writeU16(out, F.FLAGS_FRAGMENT, readU16(out, F.FLAGS_FRAGMENT) & Ipv4Flags.DF);
    writeU16(out, F.CHECKSUM, 0);
    writeU16(out, F.CHECKSUM, checksum(out, 0, header.length));
    return out;
  }
}

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
      /** Some fragment arrived in a link-layer broadcast or multicast frame (no ICMP errors about it, RFC 1122 §3.2.2). */
      readonly linkBroadcast: boolean;
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
  /** Some fragment arrived in a link-layer broadcast or multicast frame: send no ICMP error about it (RFC 1122 §3.2.2). */
  readonly linkBroadcast: boolean;
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
  /** `indexKey` of (src, identification): the bucket this datagram sits in. */
  readonly key: number;
  /** The next datagram in the same bucket (same source and identification, another destination or protocol). */
  next: Pending | null;
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
  linkBroadcast: boolean;
}

// The results with nothing in them but a status are shared by every
// Reassembler (no allocation per fragment), so they are frozen: a caller
// cannot change what another stack is told.
const HELD: ReassemblyResult = Object.freeze({ status: 'held' });
const DROP_DUPLICATE: ReassemblyResult = Object.freeze({ status: 'dropped', reason: 'duplicate' });
const DROP_OVERLAP: ReassemblyResult = Object.freeze({ status: 'dropped', reason: 'overlap' });
const DROP_LIMIT: ReassemblyResult = Object.freeze({ status: 'dropped', reason: 'limit' });
const DROP_MALFORMED: ReassemblyResult = Object.freeze({ status: 'dropped', reason: 'malformed' });

/**
 * The numeric key of a datagram's bucket: source (32 bits) and identification
 * (16 bits) fit a double exactly, so no string is built per fragment. The
 * destination and protocol are compared inside the bucket, which nearly
 * always holds one datagram.
 */
function indexKey(src: Ipv4Address, identification: number): number {
  return src * 0x1_0000 + identification;
}

/**
 * IPv4 fragment reassembly (RFC 791 §3.2, RFC 815, RFC 1122 §3.3.2), sans I/O:
 * time comes in as `now`, and the layer asks `nextDeadline()` when to call
 * `expire()`.
 *
 * Datagrams are keyed by (source, destination, protocol, identification):
 * a numeric index on (source, identification), then a short chain.
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
  /** Datagrams by `indexKey`, each bucket a chain through `Pending.next`. */
  private readonly index = new Map<number, Pending>();
  /** Every datagram held, in arrival (and so deadline) order. */
  private readonly pending = new Set<Pending>();
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
   * `linkBroadcast`: it came in a link-layer broadcast or multicast frame.
   */
  add(packet: Uint8Array, now: number, checksumVerified: boolean, linkBroadcast = false): ReassemblyResult {
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
    const key = indexKey(src, identification);
    let dg = this.index.get(key);
    while (dg !== undefined && (dg.dst !== dst || dg.protocol !== protocol)) dg = dg.next ?? undefined;

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
        next: this.index.get(key) ?? null,
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
        linkBroadcast: false,
      };
      this.index.set(key, dg);
      this.pending.add(dg);
    }

    const data = new Uint8Array(length);
    data.set(packet.subarray(headerLength));
    dg.frags.splice(pos, 0, { offset, end, data });
    dg.received += length;
    if (offset === 0) dg.header = packet.slice(0, headerLength);
    if (!more) dg.total = end;
    if (!checksumVerified) dg.verified = false;
    if (linkBroadcast) dg.linkBroadcast = true;
    dg.bytes += cost;
    this.heldBytes += cost;

    if (dg.total < 0 || dg.received !== dg.total || dg.header === null) return HELD;
    const out = this.assemble(dg);
    this.discard(dg);
    if (out === null) return DROP_LIMIT;
    return { status: 'complete', packet: out, checksumVerified: dg.verified, linkBroadcast: dg.linkBroadcast };
  }

  /** The time of the earliest deadline, or undefined when nothing is held. */
  nextDeadline(): number | undefined {
    for (const dg of this.pending) return dg.deadline;
    return undefined;
  }

  /** Discards every datagram whose deadline is at or before `now` and returns them. */
  expire(now: number): ExpiredDatagram[] {
    const out: ExpiredDatagram[] = [];
    for (const dg of this.pending) {
      if (dg.deadline > now) break; // insertion order is deadline order
      this.discard(dg);
      let firstFragment: Uint8Array | null = null;
      const first = dg.frags[0];
      if (dg.header !== null && first !== undefined && first.offset === 0) {
        firstFragment = new Uint8Array(dg.header.length + first.data.length);
        firstFragment.set(dg.header);
        firstFragment.set(first.data, dg.header.length);
      }
      out.push({ src: dg.src, dst: dg.dst, protocol: dg.protocol, identification: dg.identification, firstFragment, linkBroadcast: dg.linkBroadcast });
    }
    return out;
  }

  /** The datagrams held, with their holes, for `inspect()` and tests. */
  snapshot(): ReassemblySnapshot[] {
    const out: ReassemblySnapshot[] = [];
    for (const dg of this.pending) {
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
    this.index.clear();
    this.pending.clear();
    this.heldBytes = 0;
  }

  private discard(dg: Pending): void {
    if (!this.pending.delete(dg)) return;
    this.heldBytes -= dg.bytes;
    // Unlink from its bucket's chain.
    const head = this.index.get(dg.key);
    if (head === dg) {
      if (dg.next === null) this.index.delete(dg.key);
      else this.index.set(dg.key, dg.next);
    } else {
      let p = head;
      while (p !== undefined && p.next !== dg) p = p.next ?? undefined;
      if (p !== undefined) p.next = dg.next;
    }
    dg.next = null;
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

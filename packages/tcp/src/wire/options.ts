import { StackError } from '@stack/interfaces';
import { readU16, readU32, writeU16, writeU32, type WireError } from '@stack/wire';
import {
  TCP_MAX_OPTIONS_LEN,
  TCP_MAX_SACK_BLOCKS,
  TCP_MIN_HEADER_LEN,
  TcpField,
  TcpOptionKind as K,
  TcpOptionLen as L,
} from './fields.js';

/** One SACK block (RFC 2018 §3): the bytes `left .. right-1` arrived. Both are u32 sequence numbers. */
export interface SackBlock {
  readonly left: number;
  readonly right: number;
}

/** The timestamps option (RFC 7323 §3.2): TSval and TSecr, both u32. */
export interface TcpTimestamps {
  /** TSval: the sender's timestamp clock. */
  readonly value: number;
  /** TSecr: the most recent TSval received (0 when the ACK bit is off). */
  readonly echo: number;
}

/**
 * An option this codec does not interpret (MD5 19, TCP-AO 29, MPTCP 30, Fast
 * Open 34, experimental 253/254, ...), kept by kind and bytes so it
 * round-trips (RFC 9293 §3.2: unknown options are skipped by their length).
 */
export interface TcpUnknownOption {
  readonly kind: number;
  /** The bytes after kind and length (a view into the parsed segment: copy to keep). */
  readonly data: Uint8Array;
}

/**
 * The options of a segment as named fields (RFC 9293 §3.2). Absent means the
 * option was not there. When a known option appears twice, the first one
 * counts, in every reader here (a fast path may stop at the first). NOP and
 * EOL are layout, not content: they are not
 * kept, and `emitTcp` writes its own (see `writeTcpOptions`).
 */
export interface TcpOptions {
  /** Maximum segment size (RFC 9293 §3.7.1), 0..65535. */
  readonly mss?: number;
  /** Window scale shift (RFC 7323 §2.2) as sent, 0..255 (receivers clamp above 14). */
  readonly windowScale?: number;
  /** SACK permitted (RFC 2018 §2): `true` when present; parsing never yields `false`. */
  readonly sackPermitted?: boolean;
  /** SACK blocks (RFC 2018 §3), 1..4 of them, in the order sent. */
  readonly sack?: readonly SackBlock[];
  /** Timestamps (RFC 7323 §3). */
  readonly timestamps?: TcpTimestamps;
  /** Options of other kinds, in the order they appeared. */
  readonly unknown?: readonly TcpUnknownOption[];
}

/** Largest number of options of length ≥ 2 that fit in 40 bytes. */
const MAX_UNKNOWN = TCP_MAX_OPTIONS_LEN / 2;

/**
 * A caller-owned, reusable record of one segment's options, filled by
 * `readTcpOptions` without allocating: the engine keeps one and reads every
 * segment into it. Absent numbers are -1, absent flags false.
 */
export class TcpOptionSlots {
  /** MSS, or -1. */
  mss = -1;
  /** Window scale shift as sent, or -1. */
  windowScale = -1;
  sackPermitted = false;
  hasTimestamps = false;
  /** TSval (valid when `hasTimestamps`). */
  tsValue = 0;
  /** TSecr (valid when `hasTimestamps`). */
  tsEcho = 0;
  /** Number of SACK blocks in `sack` (0..4). */
  sackCount = 0;
  /** SACK blocks as pairs: left of block i at 2i, right at 2i+1. */
  readonly sack = new Uint32Array(2 * TCP_MAX_SACK_BLOCKS);
  /** Number of options of unknown kinds; their offsets in the segment are in `unknownAt`. */
  unknownCount = 0;
  /** Offsets (of the kind byte, within the segment) of the unknown options, in order. */
  readonly unknownAt = new Uint8Array(MAX_UNKNOWN);

  /** Forgets the previous segment. */
  clear(): void {
    this.mss = -1;
    this.windowScale = -1;
    this.sackPermitted = false;
    this.hasTimestamps = false;
    this.tsValue = 0;
    this.tsEcho = 0;
    this.sackCount = 0;
    this.unknownCount = 0;
  }
}

function malformed(offset: number, message: string): WireError {
  return { kind: 'malformed', offset, message };
}

const NAMES: Record<number, string> = { [K.MSS]: 'MSS', [K.WS]: 'window scale', [K.SACK_PERMITTED]: 'SACK-permitted', [K.TIMESTAMPS]: 'timestamps' };
const FIXED_LEN: Record<number, number> = { [K.MSS]: L.MSS, [K.WS]: L.WS, [K.SACK_PERMITTED]: L.SACK_PERMITTED, [K.TIMESTAMPS]: L.TIMESTAMPS };

/**
 * Walks the option list `bytes[start..end)` (RFC 9293 §3.2): EOL ends it
 * (what follows is padding), NOP is one byte, every other option has a
 * length byte ≥ 2 and must end inside the header; the known options must
 * have their exact lengths (MSS 4, window scale 3, SACK-permitted 2,
 * timestamps 10, SACK 2 + 8n with n in 1..4). Fills `slots` when given
 * (cleared first; a repeated option keeps its first value). Offsets in
 * errors are within `bytes`. Never throws, never allocates unless it fails.
 */
export function walkTcpOptions(bytes: Uint8Array, start: number, end: number, slots: TcpOptionSlots | null): WireError | null {
  if (slots !== null) slots.clear();
  let i = start;
  while (i < end) {
    const kind = bytes[i]!;
    if (kind === K.EOL) return null;
    if (kind === K.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return malformed(i, `option ${kind} has no length byte inside the header`);
    const len = bytes[i + 1]!;
    if (len < 2) return malformed(i + 1, `option ${kind} length ${len} < 2`);
    if (i + len > end) return malformed(i + 1, `option ${kind} of ${len} bytes runs past the ${end}-byte header`);
    switch (kind) {
      case K.MSS:
      case K.WS:
      case K.SACK_PERMITTED:
      case K.TIMESTAMPS: {
        const want = FIXED_LEN[kind]!;
        if (len !== want) return malformed(i + 1, `${NAMES[kind]} option length ${len}, must be ${want}`);
        if (slots !== null) {
          if (kind === K.MSS) {
            if (slots.mss < 0) slots.mss = readU16(bytes, i + 2);
          } else if (kind === K.WS) {
            if (slots.windowScale < 0) slots.windowScale = bytes[i + 2]!;
          } else if (kind === K.SACK_PERMITTED) slots.sackPermitted = true;
          else if (!slots.hasTimestamps) {
            slots.hasTimestamps = true;
            slots.tsValue = readU32(bytes, i + 2);
            slots.tsEcho = readU32(bytes, i + 6);
          }
        }
        break;
      }
      case K.SACK: {
        const n = (len - L.SACK_BASE) / L.SACK_BLOCK;
        if (!Number.isInteger(n) || n < 1 || n > TCP_MAX_SACK_BLOCKS) {
          return malformed(i + 1, `SACK option length ${len}, must be 2 + 8n with n in 1..${TCP_MAX_SACK_BLOCKS}`);
        }
        if (slots !== null && slots.sackCount === 0) {
          readSackInto(bytes, i, n, slots.sack);
          slots.sackCount = n;
        }
        break;
      }
      default:
        if (slots !== null) slots.unknownAt[slots.unknownCount++] = i;
    }
    i += len;
  }
  return null;
}

function readSackInto(bytes: Uint8Array, at: number, n: number, out: Uint32Array | number[]): void {
  for (let b = 0, p = at + L.SACK_BASE; b < n; b++, p += L.SACK_BLOCK) {
    out[2 * b] = readU32(bytes, p);
    out[2 * b + 1] = readU32(bytes, p + 4);
  }
}

/** The header length a segment's data offset claims, or -1 when the buffer cannot hold it. */
function headerEnd(segment: Uint8Array): number {
  if (segment.length < TCP_MIN_HEADER_LEN) return -1;
  const hl = (segment[TcpField.DATA_OFFSET]! >>> 4) * 4;
  return hl < TCP_MIN_HEADER_LEN || hl > segment.length ? -1 : hl;
}

/**
 * Reads the options of the TCP segment `segment` (header first) into
 * `slots` in one pass, validating the list as `walkTcpOptions` does and the
 * data offset against the buffer. The engine's per-segment path: no
 * allocation when the segment is good. Returns null or the WireError.
 */
export function readTcpOptions(segment: Uint8Array, slots: TcpOptionSlots): WireError | null {
  const end = headerEnd(segment);
  if (end < 0) {
    slots.clear();
    return { kind: 'truncated', offset: TcpField.DATA_OFFSET, message: 'TCP header does not fit the buffer' };
  }
  return walkTcpOptions(segment, TcpField.OPTIONS, end, slots);
}

/** The aligned layout Linux and most stacks use on every segment after the SYN: NOP, NOP, timestamps. */
const TS_ALIGNED = (K.NOP << 24) | (K.NOP << 16) | (K.TIMESTAMPS << 8) | L.TIMESTAMPS;

/**
 * Reads the timestamps option (RFC 7323 §3) of `segment` into `out`
 * (caller-owned, reused): true when present. Checks the aligned
 * NOP-NOP-timestamps layout at the start of the options first (RFC 7323
 * Appendix A; what Linux sends), then walks the list up to the first
 * timestamps option. Meant for segments that passed `checkTcp`: it does not
 * validate the options after the one it finds, and returns false where the
 * list breaks before it. Never throws, never allocates.
 */
export function readTimestamps(segment: Uint8Array, out: { value: number; echo: number }): boolean {
  const end = headerEnd(segment);
  if (end < 0) return false;
  const o = TcpField.OPTIONS;
  if (end >= o + 12 && readU32(segment, o) === TS_ALIGNED >>> 0) {
    out.value = readU32(segment, o + 4);
    out.echo = readU32(segment, o + 8);
    return true;
  }
  for (let i = o; i < end; ) {
    const kind = segment[i]!;
    if (kind === K.EOL) return false;
    if (kind === K.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return false;
    const len = segment[i + 1]!;
    if (len < 2 || i + len > end) return false;
    if (kind === K.TIMESTAMPS && len === L.TIMESTAMPS) {
      out.value = readU32(segment, i + 2);
      out.echo = readU32(segment, i + 6);
      return true;
    }
    i += len;
  }
  return false;
}

/**
 * Reads the SACK blocks (RFC 2018 §3) of `segment` into `out` as pairs
 * (left of block i at 2i, right at 2i+1; `out` needs 8 slots) and returns
 * how many blocks the first SACK option holds: 0 when there is none, or
 * when the list breaks before it (meant for segments that passed
 * `checkTcp`). Never throws, never allocates.
 */
export function readSackBlocks(segment: Uint8Array, out: Uint32Array | number[]): number {
  const end = headerEnd(segment);
  if (end < 0) return 0;
  for (let i: number = TcpField.OPTIONS; i < end; ) {
    const kind = segment[i]!;
    if (kind === K.EOL) return 0;
    if (kind === K.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return 0;
    const len = segment[i + 1]!;
    if (len < 2 || i + len > end) return 0;
    if (kind === K.SACK) {
      const n = (len - L.SACK_BASE) / L.SACK_BLOCK;
      if (!Number.isInteger(n) || n < 1 || n > TCP_MAX_SACK_BLOCKS) return 0;
      readSackInto(segment, i, n, out);
      return n;
    }
    i += len;
  }
  return 0;
}

/**
 * The options in `slots` (filled from `segment`) as a `TcpOptions` object:
 * unknown options become views into `segment`. Allocates; for parse/toRepr.
 */
export function optionsFromSlots(slots: TcpOptionSlots, segment: Uint8Array): TcpOptions {
  const o: { -readonly [P in keyof TcpOptions]: TcpOptions[P] } = {};
  // Keys in the order `writeTcpOptions` writes them, so printed reprs read like the wire.
  if (slots.mss >= 0) o.mss = slots.mss;
  if (slots.sackPermitted) o.sackPermitted = true;
  if (slots.hasTimestamps) o.timestamps = { value: slots.tsValue, echo: slots.tsEcho };
  if (slots.windowScale >= 0) o.windowScale = slots.windowScale;
  if (slots.sackCount > 0) {
    const sack: SackBlock[] = [];
    for (let b = 0; b < slots.sackCount; b++) sack.push({ left: slots.sack[2 * b]!, right: slots.sack[2 * b + 1]! });
    o.sack = sack;
  }
  if (slots.unknownCount > 0) {
    const unknown: TcpUnknownOption[] = [];
    for (let u = 0; u < slots.unknownCount; u++) {
      const at = slots.unknownAt[u]!;
      unknown.push({ kind: segment[at]!, data: segment.subarray(at + 2, at + segment[at + 1]!) });
    }
    o.unknown = unknown;
  }
  return o;
}

// ------------------------------------------------------------------ emit

const KNOWN_KINDS = new Set<number>([K.EOL, K.NOP, K.MSS, K.WS, K.SACK_PERMITTED, K.SACK, K.TIMESTAMPS]);

function invalid(message: string): never {
  throw new StackError('ERR_INVALID_ARGUMENT', message);
}

function checkU32(what: string, v: number): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) invalid(`${what} must be an integer 0..2^32-1, got ${v}`);
}

/**
 * Bytes `writeTcpOptions` writes for `options`: their sum in the layout
 * described there, rounded up to a multiple of 4. Throws
 * ERR_INVALID_ARGUMENT for options no header can carry (a field out of
 * range, 0 or more than 4 SACK blocks, an unknown option with a known kind,
 * more than 40 bytes in all).
 */
export function tcpOptionsLen(options: TcpOptions): number {
  let n = 0;
  if (options.mss !== undefined) {
    if (!(Number.isInteger(options.mss) && options.mss >= 0 && options.mss <= 0xffff)) invalid(`MSS must be an integer 0..65535, got ${options.mss}`);
    n += L.MSS;
  }
  // Timestamps take 12 bytes (2 NOPs or SACK-permitted in front); SACK-permitted alone, 4 (2 NOPs).
  if (options.timestamps !== undefined) {
    checkU32('TSval', options.timestamps.value);
    checkU32('TSecr', options.timestamps.echo);
    n += 12;
  } else if (options.sackPermitted === true) n += 4;
  if (options.windowScale !== undefined) {
    if (!(Number.isInteger(options.windowScale) && options.windowScale >= 0 && options.windowScale <= 255)) {
      invalid(`window scale must be an integer 0..255, got ${options.windowScale}`);
    }
    n += 4;
  }
  if (options.sack !== undefined) {
    const count = options.sack.length;
    if (count < 1 || count > TCP_MAX_SACK_BLOCKS) invalid(`SACK needs 1..${TCP_MAX_SACK_BLOCKS} blocks, got ${count}`);
    for (const b of options.sack) {
      checkU32('SACK left edge', b.left);
      checkU32('SACK right edge', b.right);
    }
    n += 2 + L.SACK_BASE + count * L.SACK_BLOCK;
  }
  if (options.unknown !== undefined) {
    for (const u of options.unknown) {
      if (!(Number.isInteger(u.kind) && u.kind >= 0 && u.kind <= 255) || KNOWN_KINDS.has(u.kind)) {
        invalid(`unknown option kind must be 0..255 and not one of ${[...KNOWN_KINDS].join(', ')} (use the named fields), got ${u.kind}`);
      }
      n += 2 + u.data.length;
    }
  }
  const padded = (n + 3) & ~3;
  if (padded > TCP_MAX_OPTIONS_LEN) invalid(`TCP options need ${padded} bytes, a header holds at most ${TCP_MAX_OPTIONS_LEN}`);
  return padded;
}

/**
 * Writes `options` at `offset` (the end of the fixed header) in this fixed
 * order, which is Linux's (tcp_options_write), so our SYNs, SYN-ACKs and
 * ACKs come out byte for byte as Linux's do:
 *   1. MSS                                        02 04 mm mm
 *   2. timestamps, with SACK-permitted in front   04 02 08 0a <TSval> <TSecr>
 *      or two NOPs when SACK is not permitted     01 01 08 0a <TSval> <TSecr>
 *   3. SACK-permitted without timestamps          01 01 04 02
 *   4. window scale                               01 03 03 ss
 *   5. SACK blocks                                01 01 05 <2+8n> <left right>...
 *   6. unknown options, in order, unaligned
 *   7. EOL (zero) bytes up to a multiple of 4 (only after unknown options).
 * Returns the bytes written (`tcpOptionsLen(options)`, validated there).
 * Allocates nothing: the engine may reuse one mutable options object.
 */
export function writeTcpOptions(options: TcpOptions, buf: Uint8Array, offset: number): number {
  const total = tcpOptionsLen(options);
  writeTcpOptionsSized(options, buf, offset, total);
  return total;
}

/** `writeTcpOptions` with `total = tcpOptionsLen(options)` already computed (and validated). */
export function writeTcpOptionsSized(options: TcpOptions, buf: Uint8Array, offset: number, total: number): void {
  let p = offset;
  if (options.mss !== undefined) {
    buf[p] = K.MSS;
    buf[p + 1] = L.MSS;
    writeU16(buf, p + 2, options.mss);
    p += L.MSS;
  }
  if (options.timestamps !== undefined) {
    if (options.sackPermitted === true) {
      buf[p] = K.SACK_PERMITTED;
      buf[p + 1] = L.SACK_PERMITTED;
    } else {
      buf[p] = K.NOP;
      buf[p + 1] = K.NOP;
    }
    buf[p + 2] = K.TIMESTAMPS;
    buf[p + 3] = L.TIMESTAMPS;
    writeU32(buf, p + 4, options.timestamps.value);
    writeU32(buf, p + 8, options.timestamps.echo);
    p += 12;
  } else if (options.sackPermitted === true) {
    buf[p] = K.NOP;
    buf[p + 1] = K.NOP;
    buf[p + 2] = K.SACK_PERMITTED;
    buf[p + 3] = L.SACK_PERMITTED;
    p += 4;
  }
  if (options.windowScale !== undefined) {
    buf[p] = K.NOP;
    buf[p + 1] = K.WS;
    buf[p + 2] = L.WS;
    buf[p + 3] = options.windowScale;
    p += 4;
  }
  if (options.sack !== undefined) {
    const count = options.sack.length;
    buf[p] = K.NOP;
    buf[p + 1] = K.NOP;
    buf[p + 2] = K.SACK;
    buf[p + 3] = L.SACK_BASE + count * L.SACK_BLOCK;
    p += 4;
    for (let b = 0; b < count; b++, p += L.SACK_BLOCK) {
      const block = options.sack[b]!;
      writeU32(buf, p, block.left);
      writeU32(buf, p + 4, block.right);
    }
  }
  if (options.unknown !== undefined) {
    for (const u of options.unknown) {
      buf[p] = u.kind;
      buf[p + 1] = 2 + u.data.length;
      buf.set(u.data, p + 2);
      p += 2 + u.data.length;
    }
  }
  buf.fill(K.EOL, p, offset + total);
}

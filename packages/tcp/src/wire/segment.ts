import { StackError } from '@stack/interfaces';
import { fold, ok, pseudoHeaderSum, readU16, readU32, sumWords, writeU16, writeU32, type ParseResult, type WireError } from '@stack/wire';
import {
  PROTOCOL_TCP,
  TCP_DATA_OFFSET_SHIFT,
  TCP_FLAGS_MASK,
  TCP_MIN_DATA_OFFSET,
  TCP_MIN_HEADER_LEN,
  TcpField as F,
} from './fields.js';
import { optionsFromSlots, tcpOptionsLen, TcpOptionSlots, walkTcpOptions, writeTcpOptionsSized, type TcpOptions } from './options.js';

/**
 * A TCP segment's header as plain values (RFC 9293 §3.1), options parsed
 * into named fields. Sequence numbers are u32 numbers (compare them with
 * `seqLt` & co.); `window` is the raw 16-bit field, before scaling.
 */
export interface TcpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Sequence number (u32). */
  readonly seq: number;
  /** Acknowledgment number (u32); meaningful when `flags` has ACK. */
  readonly ack: number;
  /**
   * The 12 bits after the data offset: `TcpFlags` (FIN..CWR, AE) and the
   * three reserved bits, which round-trip and which receivers ignore.
   */
  readonly flags: number;
  /** Window field as sent (u16), not scaled. */
  readonly window: number;
  readonly urgentPointer: number;
  readonly options: TcpOptions;
  /** Bytes of data after the header. */
  readonly payloadLength: number;
}

/** Options of `parseTcp` / `TcpSegmentView.checked` / `checkTcp`. */
export interface TcpParseOptions {
  /** Verify the checksum against the pseudo-header (default true). */
  verifyChecksum?: boolean;
}

/**
 * How `emitTcp` fills the checksum field:
 *  - `compute`: the full checksum over pseudo-header, header and data;
 *  - `partial`: only the folded pseudo-header sum, for a device that
 *    finishes the checksum (checksum offload; virtio-net NEEDS_CSUM, Linux
 *    CHECKSUM_PARTIAL): it sums from the TCP header to the end and writes the
 *    complement into the field;
 *  - `none`: zero (for tests, or when something else fills it in).
 */
export type TcpChecksumMode = 'compute' | 'partial' | 'none';

/**
 * The unfolded sum of the IPv4 pseudo-header of a TCP segment of `length`
 * bytes (RFC 9293 §3.1): source, destination, zero + protocol 6, TCP length.
 * Every checksum function here takes such a sum, so another address family
 * (IPv6, RFC 8200 §8.1) needs only its own pseudo-header sum.
 */
export function tcpPseudoHeaderSum(src: number, dst: number, length: number): number {
  return pseudoHeaderSum(src, dst, PROTOCOL_TCP, length);
}

/**
 * Checks a TCP segment: `bytes` is exactly the segment (the IP payload, up
 * to the IP total length). At least 20 bytes; a data offset ≥ 5 whose
 * header fits the buffer; a well-formed option list (see `walkTcpOptions`);
 * and, when `verifyChecksum`, a checksum that verifies against `pseudoSum`
 * (from `tcpPseudoHeaderSum` or another family's). Returns null when good —
 * no allocation on that path — or the WireError. Never throws.
 */
export function checkTcpSegment(bytes: Uint8Array, pseudoSum: number, verifyChecksum: boolean): WireError | null {
  if (bytes.length < TCP_MIN_HEADER_LEN) {
    return { kind: 'truncated', offset: bytes.length, message: `TCP header needs ${TCP_MIN_HEADER_LEN} bytes, have ${bytes.length}` };
  }
  const dataOffset = bytes[F.DATA_OFFSET]! >>> 4;
  if (dataOffset < TCP_MIN_DATA_OFFSET) return { kind: 'malformed', offset: F.DATA_OFFSET, message: `data offset ${dataOffset} < ${TCP_MIN_DATA_OFFSET}` };
  const headerLength = dataOffset * 4;
  if (headerLength > bytes.length) {
    return { kind: 'truncated', offset: F.DATA_OFFSET, message: `header of ${headerLength} bytes, segment has ${bytes.length}` };
  }
  if (headerLength > TCP_MIN_HEADER_LEN) {
    const err = walkTcpOptions(bytes, F.OPTIONS, headerLength, null);
    if (err !== null) return err;
  }
  if (verifyChecksum && fold(sumWords(bytes, 0, bytes.length, pseudoSum)) !== 0xffff) {
    return { kind: 'checksum', offset: F.CHECKSUM, message: `TCP checksum 0x${readU16(bytes, F.CHECKSUM).toString(16)} does not verify` };
  }
  return null;
}

/**
 * `checkTcpSegment` over IPv4: `src`/`dst` make the pseudo-header (summed
 * only when the checksum is verified). The receive hot path: allocation-free
 * when the segment is good.
 */
export function checkTcp(bytes: Uint8Array, src: number, dst: number, verifyChecksum = true): WireError | null {
  return checkTcpSegment(bytes, verifyChecksum ? tcpPseudoHeaderSum(src, dst, bytes.length) : 0, verifyChecksum);
}

/** Scratch for `toRepr`: parse is synchronous, so one per module is enough. */
const SLOTS = new TcpOptionSlots();

/**
 * A zero-copy view of a TCP segment (RFC 9293 §3.1). Build one with
 * `TcpSegmentView.checked(...)`: after that succeeds no getter reads out of
 * bounds. `new TcpSegmentView(bytes)` skips the checks (for bytes that
 * passed `checkTcp`).
 */
export class TcpSegmentView {
  constructor(readonly bytes: Uint8Array) {}

  /** Checks `bytes` (exactly the segment) with `checkTcp` and wraps them. Never throws. */
  static checked(bytes: Uint8Array, src: number, dst: number, options: TcpParseOptions = {}): ParseResult<TcpSegmentView> {
    const err = checkTcp(bytes, src, dst, options.verifyChecksum ?? true);
    return err === null ? ok(new TcpSegmentView(bytes)) : { ok: false, error: err };
  }

  get srcPort(): number {
    return readU16(this.bytes, F.SRC_PORT);
  }
  get dstPort(): number {
    return readU16(this.bytes, F.DST_PORT);
  }
  /** Sequence number (u32). */
  get seq(): number {
    return readU32(this.bytes, F.SEQ);
  }
  /** Acknowledgment number (u32). */
  get ack(): number {
    return readU32(this.bytes, F.ACK);
  }
  /** Data offset: header length in 32-bit words (5..15). */
  get dataOffset(): number {
    return this.bytes[F.DATA_OFFSET]! >>> 4;
  }
  /** Header length in bytes, options included. */
  get headerLength(): number {
    return (this.bytes[F.DATA_OFFSET]! >>> 4) * 4;
  }
  /** The 12 flag bits (`TcpFlags`, reserved bits included). */
  get flags(): number {
    return readU16(this.bytes, F.DATA_OFFSET) & TCP_FLAGS_MASK;
  }
  /** True when every bit of `flag` (one of `TcpFlags`, or several or-ed) is set. */
  has(flag: number): boolean {
    return (readU16(this.bytes, F.DATA_OFFSET) & flag) === flag;
  }
  /** Window field (u16, unscaled). */
  get window(): number {
    return readU16(this.bytes, F.WINDOW);
  }
  get checksum(): number {
    return readU16(this.bytes, F.CHECKSUM);
  }
  get urgentPointer(): number {
    return readU16(this.bytes, F.URGENT_POINTER);
  }
  /** The option bytes, padding included (empty for data offset 5). */
  get options(): Uint8Array {
    return this.bytes.subarray(F.OPTIONS, this.headerLength);
  }
  /** The data after the header (a view). */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLength);
  }
  get payloadLength(): number {
    return this.bytes.length - this.headerLength;
  }
  /** Reads the options into caller-owned `slots` (no allocation); null, since `checked` validated them. */
  readOptions(slots: TcpOptionSlots): WireError | null {
    return walkTcpOptions(this.bytes, F.OPTIONS, this.headerLength, slots);
  }

  /** The header as a `TcpRepr`, options parsed (unknown options as views into `bytes`). */
  toRepr(): TcpRepr {
    const headerLength = this.headerLength;
    walkTcpOptions(this.bytes, F.OPTIONS, headerLength, SLOTS);
    return {
      srcPort: this.srcPort,
      dstPort: this.dstPort,
      seq: this.seq,
      ack: this.ack,
      flags: this.flags,
      window: this.window,
      urgentPointer: this.urgentPointer,
      options: optionsFromSlots(SLOTS, this.bytes),
      payloadLength: this.bytes.length - headerLength,
    };
  }
}

/**
 * Parses a TCP segment (RFC 9293 §3.1) into a `TcpRepr`: `bytes` is exactly
 * the segment, `src`/`dst` the IPv4 addresses for the pseudo-header. The
 * data is `bytes.subarray(bytes.length - repr.payloadLength)`. Never throws.
 */
export function parseTcp(bytes: Uint8Array, src: number, dst: number, options: TcpParseOptions = {}): ParseResult<TcpRepr> {
  const err = checkTcp(bytes, src, dst, options.verifyChecksum ?? true);
  return err === null ? ok(new TcpSegmentView(bytes).toRepr()) : { ok: false, error: err };
}

/** Bytes of header `emitTcp` writes for `repr`: 20 plus the padded options. Throws like `tcpOptionsLen`. */
export function tcpHeaderLen(repr: Pick<TcpRepr, 'options'>): number {
  return TCP_MIN_HEADER_LEN + tcpOptionsLen(repr.options);
}

/** Bytes `emitTcp` writes for `repr`: header and payload. */
export function tcpBufferLen(repr: Pick<TcpRepr, 'options' | 'payloadLength'>): number {
  return tcpHeaderLen(repr) + repr.payloadLength;
}

/**
 * Fills the checksum field of the segment `segment` (exactly the segment:
 * header and data in place) per `mode`, with `pseudoSum` from
 * `tcpPseudoHeaderSum` (or another family's). Allocation-free.
 */
export function fillTcpChecksum(segment: Uint8Array, pseudoSum: number, mode: TcpChecksumMode): void {
  fillChecksumAt(segment, 0, segment.length, pseudoSum, mode);
}

function fillChecksumAt(buf: Uint8Array, offset: number, length: number, pseudoSum: number, mode: TcpChecksumMode): void {
  const at = offset + F.CHECKSUM;
  writeU16(buf, at, 0);
  if (mode === 'compute') writeU16(buf, at, ~fold(sumWords(buf, offset, offset + length, pseudoSum)) & 0xffff);
  else if (mode === 'partial') writeU16(buf, at, fold(pseudoSum));
}

/** Options of `emitTcp`. */
export interface TcpEmitOptions {
  /** IPv4 source and destination, for the pseudo-header. */
  readonly src: number;
  readonly dst: number;
  /** Data to copy after the header; omit when it is already in place. */
  readonly payload?: Uint8Array;
  /** How to fill the checksum (default 'compute'). */
  readonly checksum?: TcpChecksumMode;
}

function invalid(message: string): never {
  throw new StackError('ERR_INVALID_ARGUMENT', `emitTcp: ${message}`);
}

function isUint(v: number, max: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= max;
}

/**
 * Writes `repr` as a TCP segment at `offset` in `buf` (RFC 9293 §3.1):
 * the header, the options in the order `writeTcpOptions` documents (Linux's
 * layout), the payload when `options.payload` is given (else it must already
 * be in place after the header), then the checksum per `options.checksum`.
 * Returns the bytes written (`tcpBufferLen(repr)`). Allocates nothing, so
 * a hot path may reuse one mutable repr. Throws ERR_INVALID_ARGUMENT for a
 * repr no segment can carry or a buffer/payload that does not fit: a bug in
 * the caller, not bad input.
 */
export function emitTcp(repr: TcpRepr, buf: Uint8Array, offset: number, options: TcpEmitOptions): number {
  const optionsLength = tcpOptionsLen(repr.options);
  const headerLength = TCP_MIN_HEADER_LEN + optionsLength;
  const length = headerLength + repr.payloadLength;
  if (!isUint(repr.srcPort, 0xffff) || !isUint(repr.dstPort, 0xffff)) invalid(`ports must be integers 0..65535, got ${repr.srcPort} and ${repr.dstPort}`);
  if (!isUint(repr.seq, 0xffffffff) || !isUint(repr.ack, 0xffffffff)) invalid(`seq and ack must be integers 0..2^32-1, got ${repr.seq} and ${repr.ack}`);
  if (!isUint(repr.flags, TCP_FLAGS_MASK)) invalid(`flags must be an integer 0..0xfff, got ${repr.flags}`);
  if (!isUint(repr.window, 0xffff) || !isUint(repr.urgentPointer, 0xffff)) invalid(`window and urgent pointer must be integers 0..65535, got ${repr.window} and ${repr.urgentPointer}`);
  if (!Number.isInteger(repr.payloadLength) || repr.payloadLength < 0) invalid(`payload length must be a non-negative integer, got ${repr.payloadLength}`);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + length <= buf.length)) {
    invalid(`need ${length} bytes at offset ${offset}, buffer has ${buf.length}`);
  }
  if (options.payload !== undefined && options.payload.length !== repr.payloadLength) {
    invalid(`payload is ${options.payload.length} bytes, payloadLength says ${repr.payloadLength}`);
  }
  writeU16(buf, offset + F.SRC_PORT, repr.srcPort);
  writeU16(buf, offset + F.DST_PORT, repr.dstPort);
  writeU32(buf, offset + F.SEQ, repr.seq);
  writeU32(buf, offset + F.ACK, repr.ack);
  writeU16(buf, offset + F.DATA_OFFSET, ((headerLength >>> 2) << TCP_DATA_OFFSET_SHIFT) | repr.flags);
  writeU16(buf, offset + F.WINDOW, repr.window);
  writeU16(buf, offset + F.URGENT_POINTER, repr.urgentPointer);
  writeTcpOptionsSized(repr.options, buf, offset + F.OPTIONS, optionsLength);
  if (options.payload !== undefined) buf.set(options.payload, offset + headerLength);
  const mode = options.checksum ?? 'compute';
  fillChecksumAt(buf, offset, length, mode === 'none' ? 0 : tcpPseudoHeaderSum(options.src, options.dst, length), mode);
  return length;
}

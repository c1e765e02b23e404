import { StackError } from '@stack/interfaces';
import { fold, ok, pseudoHeaderSum, readU16, sumWords, writeU16, type ParseResult, type WireError } from '@stack/wire';
import { PROTOCOL_UDP, UDP_CHECKSUM, UDP_DST_PORT, UDP_HEADER_LEN, UDP_LENGTH, UDP_SRC_PORT } from './fields.js';

/** A UDP header (RFC 768) as plain values. `length` counts header and data. */
export interface UdpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Header plus data, in bytes (8..65535). */
  readonly length: number;
  /** The checksum field as on the wire (0: the sender computed none). */
  readonly checksum: number;
}

/** Options of `parseUdp` / `UdpView.checked`. */
export interface UdpParseOptions {
  /** Verify a non-zero checksum against the pseudo-header (default true). */
  verifyChecksum?: boolean;
}

/**
 * The UDP checksum (RFC 768) of `buf[0..length)`, pseudo-header included,
 * with the checksum field taken as it is (write 0 there first to compute one).
 * Returns the value to write: never 0, since 0 means "no checksum" and RFC
 * 768 says a computed zero is sent as all ones.
 */
export function udpChecksum(buf: Uint8Array, length: number, src: number, dst: number): number {
  const c = ~fold(sumWords(buf, 0, length, pseudoHeaderSum(src, dst, PROTOCOL_UDP, length))) & 0xffff;
  return c === 0 ? 0xffff : c;
}

/**
 * What a datagram carries in its checksum field when a device or a lower
 * layer completes the checksum (IpWriteOptions.l4ChecksumOffset): the
 * folded, uncomplemented pseudo-header sum for `length` bytes of UDP.
 */
export function udpPartialChecksum(length: number, src: number, dst: number): number {
  return fold(pseudoHeaderSum(src, dst, PROTOCOL_UDP, length));
}

/**
 * Checks a UDP datagram in `bytes` (which may run past it, e.g. IP padding):
 * an 8-byte header, a Length field of at least 8 and at most the bytes
 * present, and unless `verifyChecksum` is false a checksum that verifies
 * against the pseudo-header of `src`/`dst`. A zero checksum means none was
 * sent and is accepted (RFC 768). Returns null when good. Never throws.
 */
export function checkUdp(bytes: Uint8Array, src: number, dst: number, verifyChecksum = true): WireError | null {
  if (bytes.length < UDP_HEADER_LEN) {
    return { kind: 'truncated', offset: bytes.length, message: `UDP header needs ${UDP_HEADER_LEN} bytes, have ${bytes.length}` };
  }
  const length = readU16(bytes, UDP_LENGTH);
  if (length < UDP_HEADER_LEN) return { kind: 'malformed', offset: UDP_LENGTH, message: `UDP length ${length} < ${UDP_HEADER_LEN}` };
  if (length > bytes.length) return { kind: 'truncated', offset: bytes.length, message: `UDP length ${length}, have ${bytes.length} bytes` };
  if (verifyChecksum && readU16(bytes, UDP_CHECKSUM) !== 0) {
    const sum = fold(sumWords(bytes, 0, length, pseudoHeaderSum(src, dst, PROTOCOL_UDP, length)));
    if (sum !== 0xffff) return { kind: 'checksum', offset: UDP_CHECKSUM, message: 'UDP checksum does not verify' };
  }
  return null;
}

/**
 * A checked, zero-copy view of a UDP datagram. After `checked()` succeeds
 * no getter reads out of bounds, and `payload` ends where Length says.
 */
export class UdpView {
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Wraps `bytes` after `checkUdp` (addresses for the pseudo-header). Never throws. */
  static checked(bytes: Uint8Array, src: number, dst: number, options: UdpParseOptions = {}): ParseResult<UdpView> {
    const error = checkUdp(bytes, src, dst, options.verifyChecksum ?? true);
    return error ? { ok: false, error } : ok(new UdpView(bytes));
  }

  get srcPort(): number {
    return readU16(this.bytes, UDP_SRC_PORT);
  }
  get dstPort(): number {
    return readU16(this.bytes, UDP_DST_PORT);
  }
  get length(): number {
    return readU16(this.bytes, UDP_LENGTH);
  }
  get checksum(): number {
    return readU16(this.bytes, UDP_CHECKSUM);
  }
  /** The data: from the end of the header to Length (a view). */
  get payload(): Uint8Array {
    return this.bytes.subarray(UDP_HEADER_LEN, this.length);
  }

  toRepr(): UdpRepr {
    return { srcPort: this.srcPort, dstPort: this.dstPort, length: this.length, checksum: this.checksum };
  }
}

/** Parses a UDP header (RFC 768), checking Length and the checksum. The data is `bytes.subarray(8, repr.length)`. */
export function parseUdp(bytes: Uint8Array, src: number, dst: number, options: UdpParseOptions = {}): ParseResult<UdpRepr> {
  const view = UdpView.checked(bytes, src, dst, options);
  return view.ok ? ok(view.value.toRepr()) : view;
}

/** Bytes `emitUdp` writes for `repr`: its Length (header and data). */
export function udpBufferLen(repr: Pick<UdpRepr, 'length'>): number {
  return repr.length;
}

/** Options of `emitUdp`. */
export interface UdpEmitOptions {
  /** Source and destination addresses, for the pseudo-header. */
  readonly src: number;
  readonly dst: number;
  /** Data to copy after the header; omit when it is already in place. */
  readonly payload?: Uint8Array;
  /**
   * Compute the checksum (default true); false writes 0, "none" (RFC 768);
   * 'partial' writes only the pseudo-header sum, for a lower layer or the
   * device to complete (`udpPartialChecksum`).
   */
  readonly checksum?: boolean | 'partial';
}

/**
 * Writes the header of `repr` (its `checksum` is ignored: it is computed)
 * at `offset` in `buf`, copies `options.payload` after it if given, and
 * fills in the checksum over pseudo-header, header and data (0xffff when it
 * comes out 0). Returns the bytes written (`repr.length`). Throws
 * ERR_INVALID_ARGUMENT when the buffer or the payload does not fit Length.
 */
export function emitUdp(repr: Omit<UdpRepr, 'checksum'>, buf: Uint8Array, offset: number, options: UdpEmitOptions): number {
  const length = repr.length;
  if (!Number.isInteger(length) || length < UDP_HEADER_LEN || length > 0xffff) {
    throw new StackError('ERR_INVALID_ARGUMENT', `emitUdp: length must be an integer 8..65535, got ${length}`);
  }
  if (offset < 0 || offset + length > buf.length) {
    throw new StackError('ERR_INVALID_ARGUMENT', `emitUdp: need ${length} bytes at offset ${offset}, buffer has ${buf.length}`);
  }
  if (options.payload !== undefined && options.payload.length !== length - UDP_HEADER_LEN) {
    throw new StackError('ERR_INVALID_ARGUMENT', `emitUdp: payload is ${options.payload.length} bytes, length says ${length - UDP_HEADER_LEN}`);
  }
  const out = buf.subarray(offset, offset + length);
  writeU16(out, UDP_SRC_PORT, repr.srcPort);
  writeU16(out, UDP_DST_PORT, repr.dstPort);
  writeU16(out, UDP_LENGTH, length);
  writeU16(out, UDP_CHECKSUM, 0);
  if (options.payload !== undefined) out.set(options.payload, UDP_HEADER_LEN);
  const mode = options.checksum ?? true;
  if (mode === 'partial') writeU16(out, UDP_CHECKSUM, udpPartialChecksum(length, options.src, options.dst));
  else if (mode) writeU16(out, UDP_CHECKSUM, udpChecksum(out, length, options.src, options.dst));
  return length;
}

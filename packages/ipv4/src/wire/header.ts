import { StackError, type Ipv4Address } from '@stack/interfaces';
import { checksum, checksumValid, ok, readU16, readU32, writeU16, writeU32, type ParseResult, type WireError } from '@stack/wire';
import { FRAGMENT_UNIT, IPV4_MAX_DATAGRAM, IPV4_MAX_HEADER_LEN, IPV4_MIN_HEADER_LEN, IPV4_VERSION, Ipv4Field as F, Ipv4Flags, Ipv4OptionType } from './fields.js';

/** Whether parsing checks the header checksum (skip it when the device already did). */
export interface Ipv4ParseOptions {
  /** 'verify' (default) or 'ignore'. */
  checksum?: 'verify' | 'ignore';
}

/**
 * Validates an IPv4 header in `bytes` (RFC 791 §3.1; RFC 1122 §3.2.1): the
 * buffer may be longer than the datagram (Ethernet padding), Total Length
 * decides. Checks version 4, IHL ≥ 5, IHL*4 ≤ Total Length ≤ buffer, the
 * options (EOL/NOP or type-length-value, none running past the header), and
 * the header checksum when `verifyChecksum`. Returns null when valid — no
 * allocation on that path — or the WireError. Never throws.
 */
export function validateIpv4Header(bytes: Uint8Array, verifyChecksum = true): WireError | null {
  if (bytes.length < IPV4_MIN_HEADER_LEN) {
    return { kind: 'truncated', offset: 0, message: `need ${IPV4_MIN_HEADER_LEN} bytes for an IPv4 header, have ${bytes.length}` };
  }
  const vihl = bytes[F.VERSION_IHL]!;
  const version = vihl >>> 4;
  if (version !== IPV4_VERSION) return { kind: 'unsupported', offset: F.VERSION_IHL, message: `IP version ${version}, not 4` };
  const headerLength = (vihl & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LEN) {
    return { kind: 'malformed', offset: F.VERSION_IHL, message: `IHL ${headerLength / 4} < 5` };
  }
  if (headerLength > bytes.length) {
    return { kind: 'truncated', offset: F.VERSION_IHL, message: `header of ${headerLength} bytes, buffer has ${bytes.length}` };
  }
  const totalLength = readU16(bytes, F.TOTAL_LENGTH);
  if (totalLength < headerLength) {
    return { kind: 'malformed', offset: F.TOTAL_LENGTH, message: `total length ${totalLength} < header length ${headerLength}` };
  }
  if (totalLength > bytes.length) {
    return { kind: 'truncated', offset: F.TOTAL_LENGTH, message: `total length ${totalLength}, buffer has ${bytes.length}` };
  }
  if (headerLength > IPV4_MIN_HEADER_LEN) {
    const err = validateOptions(bytes, headerLength);
    if (err !== null) return err;
  }
  if (verifyChecksum && !(headerLength === IPV4_MIN_HEADER_LEN ? sum20(bytes) === 0xffff : checksumValid(bytes, 0, headerLength))) {
    return { kind: 'checksum', offset: F.CHECKSUM, message: `header checksum 0x${readU16(bytes, F.CHECKSUM).toString(16)} does not verify` };
  }
  return null;
}

/** The folded (not complemented) RFC 1071 sum of the first 20 bytes: a header without options, summed in one go. */
function sum20(b: Uint8Array): number {
  let s =
    ((b[0]! << 8) | b[1]!) + ((b[2]! << 8) | b[3]!) + ((b[4]! << 8) | b[5]!) + ((b[6]! << 8) | b[7]!) + ((b[8]! << 8) | b[9]!) +
    ((b[10]! << 8) | b[11]!) + ((b[12]! << 8) | b[13]!) + ((b[14]! << 8) | b[15]!) + ((b[16]! << 8) | b[17]!) + ((b[18]! << 8) | b[19]!);
  s = (s & 0xffff) + (s >>> 16);
  return (s & 0xffff) + (s >>> 16);
}

/**
 * Walks the options of a header of `headerLength` bytes (RFC 791 §3.1):
 * EOL ends the list, NOP is one byte, every other option carries its length
 * (≥ 2) in the second byte. Contents are not interpreted: a host skips them.
 */
function validateOptions(bytes: Uint8Array, headerLength: number): WireError | null {
  let i = F.OPTIONS;
  while (i < headerLength) {
    const type = bytes[i]!;
    if (type === Ipv4OptionType.EOL) return null;
    if (type === Ipv4OptionType.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= headerLength) return { kind: 'malformed', offset: i, message: `option ${type} has no length byte inside the header` };
    const len = bytes[i + 1]!;
    if (len < 2) return { kind: 'malformed', offset: i + 1, message: `option ${type} length ${len} < 2` };
    if (i + len > headerLength) {
      return { kind: 'malformed', offset: i + 1, message: `option ${type} of ${len} bytes runs past the ${headerLength}-byte header` };
    }
    i += len;
  }
  return null;
}

/**
 * A zero-copy view of an IPv4 header (RFC 791 §3.1). Build one with
 * `Ipv4HeaderView.checked(bytes)`; after that succeeds no getter reads out of
 * bounds. `new Ipv4HeaderView(bytes)` skips the checks (for bytes validated
 * with `validateIpv4Header`).
 */
export class Ipv4HeaderView {
  constructor(readonly bytes: Uint8Array) {}

  /** Validates `bytes` (see `validateIpv4Header`) and wraps them. Never throws. */
  static checked(bytes: Uint8Array, options: Ipv4ParseOptions = {}): ParseResult<Ipv4HeaderView> {
    const err = validateIpv4Header(bytes, options.checksum !== 'ignore');
    return err === null ? ok(new Ipv4HeaderView(bytes)) : { ok: false, error: err };
  }

  get version(): number {
    return this.bytes[F.VERSION_IHL]! >>> 4;
  }
  /** Header length in bytes (IHL × 4), options included. */
  get headerLength(): number {
    return (this.bytes[F.VERSION_IHL]! & 0x0f) * 4;
  }
  /** DSCP and ECN as one byte. */
  get tos(): number {
    return this.bytes[F.TOS]!;
  }
  get totalLength(): number {
    return readU16(this.bytes, F.TOTAL_LENGTH);
  }
  get identification(): number {
    return readU16(this.bytes, F.IDENTIFICATION);
  }
  get dontFragment(): boolean {
    return (readU16(this.bytes, F.FLAGS_FRAGMENT) & Ipv4Flags.DF) !== 0;
  }
  get moreFragments(): boolean {
    return (readU16(this.bytes, F.FLAGS_FRAGMENT) & Ipv4Flags.MF) !== 0;
  }
  /** Fragment offset in bytes (the field × 8). */
  get fragmentOffset(): number {
    return (readU16(this.bytes, F.FLAGS_FRAGMENT) & Ipv4Flags.OFFSET_MASK) * FRAGMENT_UNIT;
  }
  /** True for any fragment of a larger datagram (MF set or a non-zero offset). */
  get isFragment(): boolean {
    return (readU16(this.bytes, F.FLAGS_FRAGMENT) & (Ipv4Flags.MF | Ipv4Flags.OFFSET_MASK)) !== 0;
  }
  get ttl(): number {
    return this.bytes[F.TTL]!;
  }
  get protocol(): number {
    return this.bytes[F.PROTOCOL]!;
  }
  get checksum(): number {
    return readU16(this.bytes, F.CHECKSUM);
  }
  get src(): Ipv4Address {
    return readU32(this.bytes, F.SRC);
  }
  get dst(): Ipv4Address {
    return readU32(this.bytes, F.DST);
  }
  /** The option bytes (empty for IHL 5). */
  get options(): Uint8Array {
    return this.bytes.subarray(F.OPTIONS, this.headerLength);
  }
  /** The whole datagram, header included, without link-layer padding. */
  get packet(): Uint8Array {
    return this.bytes.subarray(0, this.totalLength);
  }
  /** The payload: after the header, up to Total Length. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLength, this.totalLength);
  }
}

/**
 * An IPv4 header as a plain object (RFC 791 §3.1). Addresses are u32;
 * `fragmentOffset` is in bytes (a multiple of 8); `tos` holds DSCP and ECN as
 * one byte. `headerLength` is what parsing found (20 plus options);
 * `emitIpv4Header` writes 20 plus `options` and ignores it.
 */
export interface Ipv4Repr {
  readonly src: Ipv4Address;
  readonly dst: Ipv4Address;
  readonly protocol: number;
  readonly ttl: number;
  readonly tos: number;
  readonly identification: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** Bytes from the start of the original datagram's payload; a multiple of 8. */
  readonly fragmentOffset: number;
  /** Bytes after the header (Total Length − header length). */
  readonly payloadLength: number;
  /** Header length in bytes, options included. */
  readonly headerLength: number;
  /** Raw option bytes, when the header has any (a view into the parsed buffer). */
  readonly options?: Uint8Array;
}

/**
 * Parses an IPv4 header (RFC 791 §3.1) into an `Ipv4Repr`. The buffer may
 * run past Total Length (link padding). Options are validated and skipped,
 * their bytes kept as a view. Never throws.
 */
export function parseIpv4Header(bytes: Uint8Array, options: Ipv4ParseOptions = {}): ParseResult<Ipv4Repr> {
  const err = validateIpv4Header(bytes, options.checksum !== 'ignore');
  if (err !== null) return { ok: false, error: err };
  const v = new Ipv4HeaderView(bytes);
  const headerLength = v.headerLength;
  const base = {
    src: v.src,
    dst: v.dst,
    protocol: v.protocol,
    ttl: v.ttl,
    tos: v.tos,
    identification: v.identification,
    dontFragment: v.dontFragment,
    moreFragments: v.moreFragments,
    fragmentOffset: v.fragmentOffset,
    payloadLength: v.totalLength - headerLength,
    headerLength,
  };
  return ok(headerLength > IPV4_MIN_HEADER_LEN ? { ...base, options: v.options } : base);
}

/** Bytes `emitIpv4Header` writes for `repr`: 20 plus the options. */
export function ipv4HeaderLen(repr: Pick<Ipv4Repr, 'options'>): number {
  return IPV4_MIN_HEADER_LEN + (repr.options?.length ?? 0);
}

/**
 * Writes `repr` as an IPv4 header at `offset` in `buf`, with its checksum
 * (RFC 791 §3.1). Options, if given, must already be padded to a multiple of
 * 4 bytes (40 at most). Returns the header length. The payload is not
 * written. Throws ERR_INVALID_ARGUMENT for a repr no header can carry
 * (a field out of range): that is a bug in the caller, not bad input.
 */
export function emitIpv4Header(repr: Ipv4Repr, buf: Uint8Array, offset = 0): number {
  const optLen = repr.options?.length ?? 0;
  if (optLen % 4 !== 0 || optLen > IPV4_MAX_HEADER_LEN - IPV4_MIN_HEADER_LEN) {
    throw new StackError('ERR_INVALID_ARGUMENT', `IPv4 options of ${optLen} bytes (allowed: a multiple of 4, at most 40)`);
  }
  const headerLength = IPV4_MIN_HEADER_LEN + optLen;
  if (!(repr.fragmentOffset >= 0 && repr.fragmentOffset % FRAGMENT_UNIT === 0 && repr.fragmentOffset <= Ipv4Flags.OFFSET_MASK * FRAGMENT_UNIT)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `fragment offset ${repr.fragmentOffset} (allowed: a multiple of 8 in 0..65528)`);
  }
  const totalLength = headerLength + repr.payloadLength;
  if (!(repr.payloadLength >= 0 && totalLength <= IPV4_MAX_DATAGRAM)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `payload length ${repr.payloadLength} (allowed: 0..${IPV4_MAX_DATAGRAM - headerLength})`);
  }
  if (offset < 0 || offset + headerLength > buf.length) {
    throw new StackError('ERR_INVALID_ARGUMENT', `no room for a ${headerLength}-byte header at offset ${offset} of a ${buf.length}-byte buffer`);
  }
  let flags = repr.fragmentOffset / FRAGMENT_UNIT;
  if (repr.dontFragment) flags |= Ipv4Flags.DF;
  if (repr.moreFragments) flags |= Ipv4Flags.MF;
  if (repr.options !== undefined) buf.set(repr.options, offset + F.OPTIONS);
  writeIpv4Header(buf, offset, headerLength, repr.tos, totalLength, repr.identification, flags, repr.ttl, repr.protocol, repr.src, repr.dst);
  return headerLength;
}

/**
 * Writes the fixed fields of an IPv4 header at `offset` and its checksum
 * over `headerLength` bytes (options, if any, must already be in place).
 * The allocation-free primitive behind `emitIpv4Header`, for hot paths that
 * should not build a repr per packet. `flags` is the raw flags/offset word.
 */
export function writeIpv4Header(
  buf: Uint8Array,
  offset: number,
  headerLength: number,
  tos: number,
  totalLength: number,
  identification: number,
  flags: number,
  ttl: number,
  protocol: number,
  src: Ipv4Address,
  dst: Ipv4Address,
): void {
  buf[offset + F.VERSION_IHL] = (IPV4_VERSION << 4) | (headerLength >>> 2);
  buf[offset + F.TOS] = tos;
  writeU16(buf, offset + F.TOTAL_LENGTH, totalLength);
  writeU16(buf, offset + F.IDENTIFICATION, identification);
  writeU16(buf, offset + F.FLAGS_FRAGMENT, flags);
  buf[offset + F.TTL] = ttl;
  buf[offset + F.PROTOCOL] = protocol;
  writeU16(buf, offset + F.CHECKSUM, 0);
  writeU32(buf, offset + F.SRC, src);
  writeU32(buf, offset + F.DST, dst);
  if (headerLength === IPV4_MIN_HEADER_LEN) {
    // No options: the checksum from the field values themselves (RFC 1071), without reading the bytes back.
    let s = ((((IPV4_VERSION << 4) | 5) << 8) | (tos & 0xff)) + (totalLength & 0xffff) + (identification & 0xffff) + (flags & 0xffff) + (((ttl & 0xff) << 8) | (protocol & 0xff));
    s += (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
    s = (s & 0xffff) + (s >>> 16);
    s = (s & 0xffff) + (s >>> 16);
    writeU16(buf, offset + F.CHECKSUM, ~s & 0xffff);
  } else writeU16(buf, offset + F.CHECKSUM, checksum(buf, offset, offset + headerLength));
}

import { ok, readU16, readU32, type ParseResult, type WireError } from '@stack/wire';
import {
  IP_DST, IP_FLAGS_FRAGMENT, IP_FRAGMENT_OFFSET_MASK, IP_IDENT, IP_MIN_HEADER_LEN, IP_MORE_FRAGMENTS, IP_PROTOCOL, IP_SRC,
  IP_TOTAL_LENGTH, IP_TTL, IP_VERSION_IHL, QUOTED_PAYLOAD_MIN,
} from './fields.js';

/**
 * The IPv4 datagram an ICMP error quotes (RFC 792: "Internet Header + 64
 * bits of Original Data Datagram"), or a whole datagram we are about to quote.
 * Only the fields ICMP needs; @stack/icmp reads them itself rather than
 * depending on @stack/ipv4.
 */
export interface QuotedDatagram {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  readonly ttl: number;
  readonly ident: number;
  /** Header length in bytes (IHL × 4), options included. */
  readonly headerLength: number;
  /** The Total Length field as the quoted header says (the original datagram's size). */
  readonly totalLength: number;
  /** Fragment offset in bytes (0 for an unfragmented datagram or a first fragment). */
  readonly fragmentOffset: number;
  readonly moreFragments: boolean;
  /** The quoted IP header, options included (a view). */
  readonly header: Uint8Array;
  /**
   * The quoted transport bytes after the header (a view): at least 8 unless
   * the original datagram carried fewer, never past its Total Length.
   */
  readonly transport: Uint8Array;
}

function wireError(kind: WireError['kind'], offset: number, message: string): WireError {
  return { kind, offset, message };
}

/**
 * Checks that `bytes` start with an IPv4 datagram ICMP can quote, or parse
 * as quoted: the checks of `parseQuotedDatagram`, without building anything
 * (what `sendError` runs on every call). Returns null when it is good, else
 * the WireError `parseQuotedDatagram` would give. Never throws.
 */
export function checkQuotedDatagram(bytes: Uint8Array): WireError | null {
  if (bytes.length < IP_MIN_HEADER_LEN) {
    return wireError('truncated', bytes.length, `quoted IPv4 header needs ${IP_MIN_HEADER_LEN} bytes, have ${bytes.length}`);
  }
  const versionIhl = bytes[IP_VERSION_IHL]!;
  if (versionIhl >>> 4 !== 4) return wireError('unsupported', IP_VERSION_IHL, `quoted IP version ${versionIhl >>> 4}, want 4`);
  const headerLength = (versionIhl & 0x0f) * 4;
  if (headerLength < IP_MIN_HEADER_LEN) return wireError('malformed', IP_VERSION_IHL, `quoted IHL ${headerLength / 4} < 5`);
  if (headerLength > bytes.length) {
    return wireError('truncated', bytes.length, `quoted IPv4 header is ${headerLength} bytes, have ${bytes.length}`);
  }
  const totalLength = readU16(bytes, IP_TOTAL_LENGTH);
  const sane = totalLength >= headerLength;
  const end = quotedDatagramEnd(bytes);
  const need = sane ? Math.min(QUOTED_PAYLOAD_MIN, totalLength - headerLength) : QUOTED_PAYLOAD_MIN;
  if (end - headerLength < need) {
    return wireError('truncated', bytes.length, `quoted datagram carries ${end - headerLength} payload bytes, need ${need}`);
  }
  return null;
}

/**
 * Where the quoted datagram at the start of `bytes` ends: its Total Length,
 * or the end of `bytes` when that comes first or the Total Length is not
 * sane (below the header length; some routers mangle it, RFC 1191 §4 mentions
 * BSD's). For bytes that passed `checkQuotedDatagram`.
 */
export function quotedDatagramEnd(bytes: Uint8Array): number {
  const totalLength = readU16(bytes, IP_TOTAL_LENGTH);
  return totalLength >= (bytes[IP_VERSION_IHL]! & 0x0f) * 4 ? Math.min(bytes.length, totalLength) : bytes.length;
}

/**
 * Parses the IPv4 header at the start of `bytes` (IHL-aware, so options are
 * skipped) and the transport bytes after it. Errors: `truncated` when the
 * header or the first 8 payload bytes (or all of a shorter payload) are
 * missing, `unsupported` for a version other than 4, `malformed` for IHL < 5.
 * The header checksum is not checked: routers quote what they received.
 * Never throws.
 */
export function parseQuotedDatagram(bytes: Uint8Array): ParseResult<QuotedDatagram> {
  const error = checkQuotedDatagram(bytes);
  if (error !== null) return { ok: false, error };
  const headerLength = (bytes[IP_VERSION_IHL]! & 0x0f) * 4;
  const flagsFragment = readU16(bytes, IP_FLAGS_FRAGMENT);
  return ok({
    src: readU32(bytes, IP_SRC),
    dst: readU32(bytes, IP_DST),
    protocol: bytes[IP_PROTOCOL]!,
    ttl: bytes[IP_TTL]!,
    ident: readU16(bytes, IP_IDENT),
    headerLength,
    totalLength: readU16(bytes, IP_TOTAL_LENGTH),
    fragmentOffset: (flagsFragment & IP_FRAGMENT_OFFSET_MASK) * 8,
    moreFragments: (flagsFragment & IP_MORE_FRAGMENTS) !== 0,
    header: bytes.subarray(0, headerLength),
    transport: bytes.subarray(headerLength, quotedDatagramEnd(bytes)),
  });
}

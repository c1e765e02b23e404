import { readU16, readU32 } from '@stack/wire';
import { IP_DST, IP_FLAGS_FRAGMENT, IP_FRAGMENT_OFFSET_MASK, IP_PROTOCOL, IP_SRC, IP_VERSION_IHL } from '../wire/fields.js';
import { quotedDatagramEnd, type QuotedDatagram } from '../wire/quoted.js';
import { isIcmpQueryType } from '../wire/types.js';

/** Why an ICMP error about a datagram must not be sent (RFC 1122 §3.2.2, RFC 1812 §4.3.2.7). */
export type ErrorSuppression = 'aboutError' | 'toBroadcast' | 'fragment' | 'badSource';

const PROTOCOL_ICMP = 1;

/**
 * True for addresses that do not name one host as a source (RFC 1122
 * §3.2.1.3): 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4 multicast and 240.0.0.0/4
 * (which holds 255.255.255.255).
 */
export function notAHost(addr: number): boolean {
  const first = addr >>> 24;
  return first === 0 || first === 127 || first >= 224;
}

/**
 * Decides whether we may send an ICMP error about `original` (RFC 1122
 * §3.2.2): never about an ICMP error message (any type that is not a query or
 * reply counts, as in Linux), a datagram sent to a broadcast or multicast
 * address, a fragment other than the first, or a datagram whose source does
 * not name a single host (zero, loopback, broadcast, multicast, class E).
 * `isBroadcast` says whether an address is a directed broadcast of one of
 * our networks. Returns null when the error may be sent.
 *
 * Whether the datagram came in a link-layer broadcast frame is not in the
 * bytes: the protocol that asks for the error checks `IpRxInfo.linkBroadcast`.
 */
export function errorSuppression(original: QuotedDatagram, isBroadcast: (addr: number) => boolean): ErrorSuppression | null {
  return decide(original.fragmentOffset, original.dst, original.src, original.protocol, original.transport[0] ?? -1, isBroadcast);
}

/**
 * `errorSuppression` read straight from the bytes of the offending datagram,
 * which must have passed `checkQuotedDatagram`: no parse, no allocation
 * (what `sendError` runs before it takes a rate-limit token).
 */
export function datagramErrorSuppression(original: Uint8Array, isBroadcast: (addr: number) => boolean): ErrorSuppression | null {
  const headerLength = (original[IP_VERSION_IHL]! & 0x0f) * 4;
  const firstTransportByte = quotedDatagramEnd(original) > headerLength ? original[headerLength]! : -1;
  return decide(
    (readU16(original, IP_FLAGS_FRAGMENT) & IP_FRAGMENT_OFFSET_MASK) * 8,
    readU32(original, IP_DST),
    readU32(original, IP_SRC),
    original[IP_PROTOCOL]!,
    firstTransportByte,
    isBroadcast,
  );
}

/** The rules of `errorSuppression`; `icmpType` is the quoted ICMP type, or -1 when no transport byte was quoted. */
function decide(fragmentOffset: number, dst: number, src: number, protocol: number, icmpType: number, isBroadcast: (addr: number) => boolean): ErrorSuppression | null {
  if (fragmentOffset !== 0) return 'fragment';
  if (dst >>> 28 >= 0xe || isBroadcast(dst)) return 'toBroadcast';
  if (notAHost(src) || isBroadcast(src)) return 'badSource';
  if (protocol === PROTOCOL_ICMP && (icmpType < 0 || !isIcmpQueryType(icmpType))) return 'aboutError';
  return null;
}

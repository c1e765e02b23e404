import type { QuotedDatagram } from '../wire/quoted.js';
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
 */
export function errorSuppression(original: QuotedDatagram, isBroadcast: (addr: number) => boolean): ErrorSuppression | null {
  if (original.fragmentOffset !== 0) return 'fragment';
  if (original.dst >>> 28 >= 0xe || isBroadcast(original.dst)) return 'toBroadcast';
  if (notAHost(original.src) || isBroadcast(original.src)) return 'badSource';
  if (original.protocol === PROTOCOL_ICMP) {
    const type = original.transport[0];
    if (type === undefined || !isIcmpQueryType(type)) return 'aboutError';
  }
  return null;
}

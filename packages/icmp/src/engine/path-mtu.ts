/**
 * The MTU plateaus of RFC 1191 §7 (table 7-1), largest first: what to guess
 * when a router's "fragmentation needed" carries no next-hop MTU.
 */
export const MTU_PLATEAUS: readonly number[] = Object.freeze([65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68]);

/** The smallest MTU IPv4 allows (RFC 791: every host handles 68-byte datagrams). */
export const MIN_IPV4_MTU = 68;

/** The largest plateau strictly below `size` (RFC 1191 §7), or 68 when none is. */
export function plateauBelow(size: number): number {
  for (const p of MTU_PLATEAUS) if (p < size) return p;
  return MIN_IPV4_MTU;
}

/**
 * The path MTU to use after "fragmentation needed" (RFC 1191 §4 and §7):
 * the reported next-hop MTU when it is plausible, else (zero from an old
 * router, below 68, or not below the size of the datagram that was too big)
 * the next plateau below the quoted datagram's Total Length.
 */
export function nextHopMtu(reported: number, quotedTotalLength: number): number {
  if (reported >= MIN_IPV4_MTU && reported < quotedTotalLength) return reported;
  return plateauBelow(quotedTotalLength);
}

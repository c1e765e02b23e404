// Field offsets of the ICMPv4 header (RFC 792) and of the few IPv4 header
// fields an ICMP error's quoted datagram is read for (RFC 791 §3.1). Every
// getter and emitter uses these names; no magic numbers elsewhere.

/** ICMP header: type (u8). */
export const ICMP_TYPE = 0;
/** ICMP header: code (u8). */
export const ICMP_CODE = 1;
/** ICMP header: checksum over the whole message (u16). */
export const ICMP_CHECKSUM = 2;
/** ICMP header: the type-specific second word ("rest of header", u32). */
export const ICMP_REST = 4;
/** Echo / echo reply: identifier (u16, RFC 792). */
export const ICMP_ECHO_ID = 4;
/** Echo / echo reply: sequence number (u16, RFC 792). */
export const ICMP_ECHO_SEQ = 6;
/** Destination unreachable code 4: next-hop MTU (u16, RFC 1191 §4). */
export const ICMP_NEXT_HOP_MTU = 6;
/** Parameter problem: pointer to the offending octet (u8, RFC 792). */
export const ICMP_POINTER = 4;
/** Length of the ICMP header; the payload (echo data or quoted datagram) follows. */
export const ICMP_HEADER_LEN = 8;

/** Quoted IPv4 header: version (high nibble) and IHL (low nibble, 32-bit words). */
export const IP_VERSION_IHL = 0;
/** Quoted IPv4 header: total length (u16). */
export const IP_TOTAL_LENGTH = 2;
/** Quoted IPv4 header: identification (u16). */
export const IP_IDENT = 4;
/** Quoted IPv4 header: flags (3 bits) and fragment offset (13 bits, in 8-byte units). */
export const IP_FLAGS_FRAGMENT = 6;
/** Quoted IPv4 header: time to live (u8). */
export const IP_TTL = 8;
/** Quoted IPv4 header: protocol (u8). */
export const IP_PROTOCOL = 9;
/** Quoted IPv4 header: source address (u32). */
export const IP_SRC = 12;
/** Quoted IPv4 header: destination address (u32). */
export const IP_DST = 16;
/** Smallest IPv4 header (IHL 5). */
export const IP_MIN_HEADER_LEN = 20;
/** Mask of the fragment offset in the flags/fragment word. */
export const IP_FRAGMENT_OFFSET_MASK = 0x1fff;
/** The "more fragments" flag in the flags/fragment word. */
export const IP_MORE_FRAGMENTS = 0x2000;

/** How many bytes of the quoted datagram's payload RFC 792 requires an error to carry. */
export const QUOTED_PAYLOAD_MIN = 8;
/**
 * Largest ICMP error datagram we send, IP header included: 576, the size
 * every host must accept (RFC 1812 §4.3.2.3, RFC 1122 §3.3.2).
 */
export const ERROR_DATAGRAM_MAX = 576;

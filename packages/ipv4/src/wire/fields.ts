// Offsets and sizes of the IPv4 header (RFC 791 §3.1), in one place so no
// getter or emitter holds a magic number.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version|  IHL  |Type of Service|          Total Length         |
//   |         Identification        |Flags|      Fragment Offset    |
//   |  Time to Live |    Protocol   |         Header Checksum       |
//   |                       Source Address                          |
//   |                    Destination Address                        |
//   |                    Options                    |    Padding    |

/** Byte offsets of the fixed IPv4 header fields (RFC 791 §3.1). */
export const Ipv4Field = Object.freeze({
  /** Version (high nibble) and IHL (low nibble, in 32-bit words). */
  VERSION_IHL: 0,
  /** Type of service: DSCP (6 bits) and ECN (2 bits), RFC 2474 / RFC 3168. */
  TOS: 1,
  TOTAL_LENGTH: 2,
  IDENTIFICATION: 4,
  /** Flags (3 high bits) and fragment offset (13 bits, in 8-byte units). */
  FLAGS_FRAGMENT: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
  /** Options start right after the fixed header. */
  OPTIONS: 20,
} as const);

/** IP version 4. */
export const IPV4_VERSION = 4;
/** Length of the header without options, bytes (IHL 5). */
export const IPV4_MIN_HEADER_LEN = 20;
/** Longest header: IHL 15, bytes. */
export const IPV4_MAX_HEADER_LEN = 60;
/** Largest datagram: the 16-bit Total Length (RFC 791). */
export const IPV4_MAX_DATAGRAM = 65_535;
/** Smallest MTU every IPv4 link must carry (RFC 791 §3.2: 68 octets). */
export const IPV4_MIN_MTU = 68;

/** Bits of the 16-bit flags/fragment-offset word (RFC 791 §3.1). */
export const Ipv4Flags = Object.freeze({
  /** Reserved, must be zero (RFC 3514 aside). */
  RESERVED: 0x8000,
  /** Don't Fragment. */
  DF: 0x4000,
  /** More Fragments. */
  MF: 0x2000,
  /** Fragment offset, in 8-byte units. */
  OFFSET_MASK: 0x1fff,
} as const);

/** Fragment offsets count 8-byte units (RFC 791 §3.1). */
export const FRAGMENT_UNIT = 8;

/** IPv4 option types that have no length byte (RFC 791 §3.1). */
export const Ipv4OptionType = Object.freeze({
  /** End of option list. */
  EOL: 0,
  /** No operation (padding between options). */
  NOP: 1,
  /** Record route (length-bearing; what `ping -R` sends). */
  RR: 7,
  /** Timestamp. */
  TS: 68,
  /** Loose source and record route. */
  LSRR: 131,
  /** Strict source and record route. */
  SSRR: 137,
  /** Router alert (RFC 2113). */
  RA: 148,
} as const);

// Offsets, sizes and protocol numbers of the TCP header (RFC 9293 §3.1), in
// one place so no getter or emitter holds a magic number.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          Source Port          |       Destination Port        |
//   |                        Sequence Number                        |
//   |                    Acknowledgment Number                      |
//   |  Data |       |A|C|E|U|A|P|R|S|F|                             |
//   | Offset| Rsrvd |E|W|C|R|C|S|S|Y|I|            Window           |
//   |       |       | |R|E|G|K|H|T|N|N|                             |
//   |           Checksum            |         Urgent Pointer        |
//   |                    Options                    |    Padding    |
//
// (AE, bit 8 of the data-offset/flags word, is the Accurate ECN (AccECN)
// flag of the IETF tcpm AccECN specification; it was RFC 3540's NS, now historic.)

/** Byte offsets of the fixed TCP header fields (RFC 9293 §3.1). */
export const TcpField = {
  SRC_PORT: 0,
  DST_PORT: 2,
  /** Sequence number (u32). */
  SEQ: 4,
  /** Acknowledgment number (u32; meaningful when ACK is set). */
  ACK: 8,
  /**
   * Data offset (high nibble, in 32-bit words), then 4 bits of which the
   * lowest is AE and the rest reserved; read as the u16 at this offset
   * together with the eight flags of the next byte.
   */
  DATA_OFFSET: 12,
  /** The eight flag bits CWR..FIN. */
  FLAGS: 13,
  /** Receive window (u16, before window scaling). */
  WINDOW: 14,
  /** Checksum over the pseudo-header, header and data. */
  CHECKSUM: 16,
  URGENT_POINTER: 18,
  /** Options start right after the fixed header. */
  OPTIONS: 20,
} as const;

/** Length of a header without options (data offset 5). */
export const TCP_MIN_HEADER_LEN = 20;
/** Longest header: data offset 15. */
export const TCP_MAX_HEADER_LEN = 60;
/** Most option bytes a header can hold. */
export const TCP_MAX_OPTIONS_LEN = TCP_MAX_HEADER_LEN - TCP_MIN_HEADER_LEN;
/** Smallest legal data offset, in 32-bit words. */
export const TCP_MIN_DATA_OFFSET = 5;
/** IP protocol number of TCP. */
export const PROTOCOL_TCP = 6;

/**
 * Control bits (RFC 9293 §3.1; ECE/CWR RFC 3168 §6.1; AE: AccECN) as they
 * sit in the low 12 bits of the u16 at `TcpField.DATA_OFFSET`. A repr's
 * `flags` is that 12-bit number, reserved bits included so they round-trip.
 */
export const TcpFlags = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  /** ECN-Echo (RFC 3168). */
  ECE: 0x040,
  /** Congestion Window Reduced (RFC 3168). */
  CWR: 0x080,
  /** Accurate ECN (AccECN); formerly NS (RFC 3540, historic). */
  AE: 0x100,
} as const;

/** The bits of the data-offset word that `flags` covers: 3 reserved, AE and the eight flags. */
export const TCP_FLAGS_MASK = 0x0fff;
/** Shift of the data offset within the u16 at `TcpField.DATA_OFFSET`. */
export const TCP_DATA_OFFSET_SHIFT = 12;

/**
 * Option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018; IANA "TCP Option Kind
 * Numbers"). Other kinds stay numbers and are kept as unknown options.
 */
export const TcpOptionKind = {
  /** End of option list (one byte). */
  EOL: 0,
  /** No operation (one byte; aligns the next option). */
  NOP: 1,
  /** Maximum segment size (RFC 9293 §3.7.1), SYN only. */
  MSS: 2,
  /** Window scale shift (RFC 7323 §2), SYN only. */
  WS: 3,
  /** SACK permitted (RFC 2018 §2), SYN only. */
  SACK_PERMITTED: 4,
  /** SACK blocks (RFC 2018 §3). */
  SACK: 5,
  /** Timestamps TSval/TSecr (RFC 7323 §3). */
  TIMESTAMPS: 8,
} as const;

/** Total length (kind and length bytes included) of each option with a fixed size. */
export const TcpOptionLen = {
  MSS: 4,
  WS: 3,
  SACK_PERMITTED: 2,
  TIMESTAMPS: 10,
  /** SACK: 2 bytes, then 8 per block. */
  SACK_BASE: 2,
  SACK_BLOCK: 8,
} as const;

/** Most SACK blocks one option can carry (RFC 2018 §3: 4 in 40 bytes; 3 beside timestamps). */
export const TCP_MAX_SACK_BLOCKS = 4;
/** Largest window scale shift a receiver honours (RFC 7323 §2.3); larger values are kept raw. */
export const TCP_MAX_WINDOW_SCALE = 14;

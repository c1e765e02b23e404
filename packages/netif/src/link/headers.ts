// The IPv4 and TCP header fields the link's software offloads (GSO, GRO,
// checksum completion) read and rewrite: offsets from the start of each
// header (RFC 791 §3.1, RFC 9293 §3.1, RFC 3168 §6.1 for CWR). One place
// for both, per STYLE.md ("one fields.ts per codec").

/** IPv4 header offsets; `MIN` is the length without options. */
export const Ip = { VIHL: 0, TOS: 1, TOTAL_LENGTH: 2, ID: 4, FLAGS_FRAGMENT: 6, TTL: 8, PROTOCOL: 9, CHECKSUM: 10, SRC: 12, DST: 16, MIN: 20 } as const;
/** TCP header offsets and flag bits; `MIN` is the length without options. */
export const Tcp = {
  SRC_PORT: 0, SEQ: 4, ACK: 8, DATA_OFFSET: 12, FLAGS: 13, WINDOW: 14, CHECKSUM: 16, MIN: 20,
  FIN: 0x01, PSH: 0x08, ACK_FLAG: 0x10, CWR: 0x80,
} as const;
export const ETHERTYPE_IPV4 = 0x0800;
export const PROTOCOL_TCP = 6;
/** MF and the fragment offset. */
export const FRAGMENT_BITS = 0x3fff;

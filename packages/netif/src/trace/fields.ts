// Named offsets of the headers the trace summary decodes. Self-contained on
// purpose: @stack/netif depends only on interfaces, wire and pcap (DESIGN.md),
// never on the ethif/arp/ipv4 layers.

/** ARP over Ethernet for IPv4 (RFC 826). */
export const Arp = {
  HTYPE: 0,
  PTYPE: 2,
  HLEN: 4,
  PLEN: 5,
  OPER: 6,
  SHA: 8,
  SPA: 14,
  THA: 18,
  TPA: 24,
  LENGTH: 28,
  HTYPE_ETHERNET: 1,
  OP_REQUEST: 1,
  OP_REPLY: 2,
} as const;

/** IPv4 header (RFC 791 §3.1). */
export const Ipv4 = {
  VERSION_IHL: 0,
  TOTAL_LENGTH: 2,
  IDENT: 4,
  FLAGS_FRAGMENT: 6,
  TTL: 8,
  PROTOCOL: 9,
  SRC: 12,
  DST: 16,
  MIN_HEADER: 20,
  FLAG_MF: 0x2000,
  FRAGMENT_MASK: 0x1fff,
} as const;

/** ICMP header (RFC 792). */
export const Icmp = {
  TYPE: 0,
  CODE: 1,
  IDENT: 4,
  SEQ: 6,
  /** Next-hop MTU of "fragmentation needed" (RFC 1191 §4). */
  NEXT_HOP_MTU: 6,
  HEADER: 8,
  ECHO_REPLY: 0,
  UNREACHABLE: 3,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
} as const;

/** UDP header (RFC 768). */
export const Udp = {
  SRC_PORT: 0,
  DST_PORT: 2,
  LENGTH: 4,
  HEADER: 8,
} as const;

/** TCP header (RFC 9293 §3.1). */
export const Tcp = {
  SRC_PORT: 0,
  DST_PORT: 2,
  SEQ: 4,
  ACK: 8,
  DATA_OFFSET: 12,
  FLAGS: 13,
  WINDOW: 14,
  MIN_HEADER: 20,
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK_FLAG: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

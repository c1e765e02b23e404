// Named offsets and constants of the two capture file formats. Everything the
// writers emit and the reader checks is spelled here once.
//
// Classic pcap: draft-ietf-opsawg-pcap (the libpcap file format).
// pcapng:       draft-ietf-opsawg-pcapng (PCAP Next Generation).

/** LINKTYPE_* values (tcpdump.org link-layer header types). Unknown ones stay numbers. */
export const LinkType = {
  /** IEEE 802.3 Ethernet: every @stack device carries these. */
  ETHERNET: 1,
  /** Raw IPv4/IPv6, no link header. */
  RAW: 101,
} as const;

/** Classic pcap magic numbers, as read in the file's own byte order (pcap draft §4). */
export const PcapMagic = {
  /** Timestamps in seconds and microseconds. */
  MICROSECONDS: 0xa1b2c3d4,
  /** Timestamps in seconds and nanoseconds. */
  NANOSECONDS: 0xa1b23c4d,
} as const;

/** The classic pcap file header (pcap draft §4): 24 bytes. */
export const PcapFileHeader = {
  MAGIC: 0,
  VERSION_MAJOR: 4,
  VERSION_MINOR: 6,
  /** Reserved1 (historically thiszone), always 0. */
  THISZONE: 8,
  /** Reserved2 (historically sigfigs), always 0. */
  SIGFIGS: 12,
  SNAPLEN: 16,
  /** LinkType and additional information (FCS bits in the top nibble). */
  LINKTYPE: 20,
  LENGTH: 24,
} as const;

/** The classic pcap per-packet record header (pcap draft §5): 16 bytes. */
export const PcapRecordHeader = {
  TS_SEC: 0,
  /** Microseconds or nanoseconds, by the magic number. */
  TS_FRAC: 4,
  CAPTURED_LENGTH: 8,
  ORIGINAL_LENGTH: 12,
  LENGTH: 16,
} as const;

/** Major version written in classic pcap files (2.4 is the only one in use); the reader accepts any 2.x. */
export const PCAP_VERSION_MAJOR = 2;
/** Minor version written in classic pcap files. */
export const PCAP_VERSION_MINOR = 4;

/** pcapng block types (pcapng draft §11.1). */
export const BlockType = {
  SECTION_HEADER: 0x0a0d0d0a,
  INTERFACE_DESCRIPTION: 0x00000001,
  /** Obsolete Packet Block (pcapng draft Appendix A); read, never written. */
  PACKET: 0x00000002,
  SIMPLE_PACKET: 0x00000003,
  NAME_RESOLUTION: 0x00000004,
  INTERFACE_STATISTICS: 0x00000005,
  ENHANCED_PACKET: 0x00000006,
} as const;

/** The generic block frame (pcapng draft §3.1): type, total length, body, total length again. */
export const Block = {
  TYPE: 0,
  TOTAL_LENGTH: 4,
  BODY: 8,
  /** Type + leading length + trailing length. */
  OVERHEAD: 12,
} as const;

/** Byte-order magic of a Section Header Block, in the section's own byte order. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Section Header Block layout (pcapng draft §4.1). */
export const SectionHeader = {
  BYTE_ORDER_MAGIC: 8,
  VERSION_MAJOR: 12,
  VERSION_MINOR: 14,
  /** 64-bit section length; -1 (all ones) = not given. */
  SECTION_LENGTH: 16,
  OPTIONS: 24,
  /** Smallest SHB: fixed part and trailing length, no options. */
  MIN_LENGTH: 28,
} as const;

/** pcapng major version written and accepted (1; any minor version is tolerated). */
export const PCAPNG_VERSION_MAJOR = 1;
/** pcapng minor version written. */
export const PCAPNG_VERSION_MINOR = 0;

/** Interface Description Block layout (pcapng draft §4.2). */
export const InterfaceDescription = {
  LINKTYPE: 8,
  RESERVED: 10,
  SNAPLEN: 12,
  OPTIONS: 16,
  MIN_LENGTH: 20,
} as const;

/** Enhanced Packet Block layout (pcapng draft §4.3). */
export const EnhancedPacket = {
  INTERFACE_ID: 8,
  TIMESTAMP_HIGH: 12,
  TIMESTAMP_LOW: 16,
  CAPTURED_LENGTH: 20,
  ORIGINAL_LENGTH: 24,
  DATA: 28,
  MIN_LENGTH: 32,
} as const;

/** Simple Packet Block layout (pcapng draft §4.4): no interface id, no timestamp. */
export const SimplePacket = {
  ORIGINAL_LENGTH: 8,
  DATA: 12,
  MIN_LENGTH: 16,
} as const;

/** Obsolete Packet Block layout (pcapng draft Appendix A). */
export const ObsoletePacket = {
  INTERFACE_ID: 8,
  DROPS_COUNT: 10,
  TIMESTAMP_HIGH: 12,
  TIMESTAMP_LOW: 16,
  CAPTURED_LENGTH: 20,
  ORIGINAL_LENGTH: 24,
  DATA: 28,
  MIN_LENGTH: 32,
} as const;

/** An option's header: code (u16), length (u16), then the value padded to 32 bits (pcapng draft §3.5). */
export const Option = {
  CODE: 0,
  LENGTH: 2,
  VALUE: 4,
  HEADER: 4,
} as const;

/** Option codes used here (pcapng draft §3.5, §4.1, §4.2, §4.3). */
export const OptionCode = {
  END_OF_OPT: 0,
  COMMENT: 1,
  /** SHB: the application that wrote the file. */
  SHB_USERAPPL: 4,
  /** IDB: the interface name (UTF-8). */
  IF_NAME: 2,
  /** IDB: the interface description (UTF-8). */
  IF_DESCRIPTION: 3,
  /** IDB: timestamp resolution, one byte: 10^-n (top bit 0) or 2^-n (top bit 1); default 6. */
  IF_TSRESOL: 9,
  /** EPB: 32-bit flags word; bits 0-1 are the direction. */
  EPB_FLAGS: 2,
} as const;

/** Direction bits (0-1) of epb_flags (pcapng draft §4.3.1). */
export const EpbDirection = {
  UNKNOWN: 0,
  INBOUND: 1,
  OUTBOUND: 2,
} as const;

/** if_tsresol when the option is absent: microseconds (pcapng draft §4.2). */
export const DEFAULT_TSRESOL = 6;

/** Rounds a length up to a multiple of 4 (pcapng pads every field to 32 bits). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

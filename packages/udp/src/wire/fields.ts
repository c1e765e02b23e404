// Field offsets of the UDP header (RFC 768). Every getter and emitter uses
// these names; no magic numbers elsewhere.

/** Source port (u16). */
export const UDP_SRC_PORT = 0;
/** Destination port (u16). */
export const UDP_DST_PORT = 2;
/** Length of header and data in bytes (u16, at least 8). */
export const UDP_LENGTH = 4;
/** Checksum over pseudo-header, header and data (u16; 0 = none was computed). */
export const UDP_CHECKSUM = 6;
/** Length of the UDP header. */
export const UDP_HEADER_LEN = 8;
/** Largest UDP payload over IPv4: 65535 − 20 (IP header) − 8 (UDP header). */
export const UDP_MAX_PAYLOAD = 65_535 - 20 - UDP_HEADER_LEN;
/** IP protocol number of UDP. */
export const PROTOCOL_UDP = 17;

/**
 * @stack/udp — UDP over IPv4 (RFC 768, RFC 1122 §4.1, RFC 6056): the wire
 * codec with the pseudo-header checksum, and a layer with bind, RFC 6056
 * ephemeral ports, one-copy send, zero-copy write, port unreachable and
 * ICMP errors routed to the sending socket.
 * @packageDocumentation
 */
export { createUdp, type UdpDeps, type UdpStats } from './layer.js';
export { UDP_DEFAULTS, resolveUdpConfig, type ResolvedUdpConfig } from './config.js';
export { PortTable, type PortBinding } from './engine/port-table.js';
export {
  UdpView, checkUdp, emitUdp, parseUdp, udpBufferLen, udpChecksum, udpPartialChecksum,
  type UdpEmitOptions, type UdpParseOptions, type UdpRepr,
} from './wire/udp.js';
export {
  PROTOCOL_UDP, UDP_CHECKSUM, UDP_DST_PORT, UDP_HEADER_LEN, UDP_LENGTH, UDP_MAX_PAYLOAD, UDP_SRC_PORT,
} from './wire/fields.js';

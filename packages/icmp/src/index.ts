/**
 * @stack/icmp — ICMPv4 (RFC 792, RFC 1122 §3.2.2, RFC 1191): the wire codec
 * (messages and the datagram an error quotes), answering echo, a ping
 * client, received errors handed to the quoted datagram's protocol, and
 * rate-limited errors sent for IP and UDP.
 * @packageDocumentation
 */
export { createIcmp, type IcmpDeps, type IcmpStats } from './layer.js';
export { ICMP_DEFAULTS, resolveIcmpConfig, type ResolvedIcmpConfig } from './config.js';
export { MAX_PING_SIZE } from './ping.js';
export {
  IcmpView, checkIcmp, emitIcmp, icmpBufferLen, icmpTypeOf, parseIcmp,
  type IcmpEchoRepr, type IcmpOtherRepr, type IcmpParameterProblemRepr, type IcmpParseOptions, type IcmpRepr,
  type IcmpSourceQuenchRepr, type IcmpTimeExceededRepr, type IcmpUnreachableRepr,
} from './wire/icmp.js';
export { checkQuotedDatagram, parseQuotedDatagram, quotedDatagramEnd, type QuotedDatagram } from './wire/quoted.js';
export { IcmpType, TimeExceededCode, UnreachableCode, isIcmpQueryType } from './wire/types.js';
export { datagramErrorSuppression, errorSuppression, notAHost, type ErrorSuppression } from './engine/error-policy.js';
export { MTU_PLATEAUS, nextHopMtu, plateauBelow } from './engine/path-mtu.js';
export { TokenBucket } from './engine/token-bucket.js';

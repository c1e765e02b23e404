/**
 * ICMPv4 message types (IANA "ICMP Type Numbers"; RFC 792, RFC 950).
 * Unknown types stay plain numbers and round-trip through the codec.
 */
export const IcmpType = Object.freeze({
  EchoReply: 0,
  DestinationUnreachable: 3,
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  RouterAdvertisement: 9,
  RouterSolicitation: 10,
  TimeExceeded: 11,
  ParameterProblem: 12,
  Timestamp: 13,
  TimestampReply: 14,
  InformationRequest: 15,
  InformationReply: 16,
  AddressMaskRequest: 17,
  AddressMaskReply: 18,
} as const);

/** Codes of destination unreachable (RFC 792, RFC 1122 §3.2.2.1, RFC 1812 §5.2.7.1). */
export const UnreachableCode = Object.freeze({
  Network: 0,
  Host: 1,
  Protocol: 2,
  Port: 3,
  FragmentationNeeded: 4,
  SourceRouteFailed: 5,
  NetworkUnknown: 6,
  HostUnknown: 7,
  SourceHostIsolated: 8,
  NetworkProhibited: 9,
  HostProhibited: 10,
  NetworkTos: 11,
  HostTos: 12,
  AdministrativelyProhibited: 13,
  HostPrecedenceViolation: 14,
  PrecedenceCutoff: 15,
} as const);

/** Codes of time exceeded (RFC 792). */
export const TimeExceededCode = Object.freeze({
  TtlExceeded: 0,
  ReassemblyTimeExceeded: 1,
} as const);

/**
 * The informational (query/reply) types. Every other type, known or not, is
 * treated as an error message when deciding whether we may answer it with an
 * error (RFC 1122 §3.2.2: never an error about an error; Linux does the same
 * for unknown types).
 */
export function isIcmpQueryType(type: number): boolean {
  return (
    type === IcmpType.EchoReply ||
    type === IcmpType.EchoRequest ||
    type === IcmpType.RouterAdvertisement ||
    type === IcmpType.RouterSolicitation ||
    (type >= IcmpType.Timestamp && type <= IcmpType.AddressMaskReply)
  );
}

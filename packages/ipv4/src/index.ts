/**
 * @stack/ipv4 — IPv4 for @stack (RFC 791, RFC 1122 §3): the header codec,
 * routing, path MTU (RFC 1191), fragmentation and bounded reassembly, and
 * the layer implementing the `IpLayer` contract of @stack/interfaces.
 * @packageDocumentation
 */
export * from './wire/index.js';
export { IPV4_DEFAULTS, resolveIpv4Config, type ResolvedIpv4Config } from './config.js';
export {
  Reassembler,
  type ExpiredDatagram,
  type ReassemblyDropReason,
  type ReassemblyLimits,
  type ReassemblyResult,
  type ReassemblySnapshot,
} from './reassembly.js';
export { RouteTable } from './routes.js';
export { PathMtuCache, type PathMtuOptions } from './pmtu.js';
export { IDENT_COUNTERS, IdentGenerator, halfSipHash24 } from './ident.js';
export { ALL_HOSTS_GROUP, createIpv4, type Ipv4Deps, type Ipv4Layer, type Ipv4Snapshot, type Ipv4Stats } from './layer.js';

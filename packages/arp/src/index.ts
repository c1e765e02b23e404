/**
 * @stack/arp — IPv4 address resolution over Ethernet (RFC 826) for @stack:
 * the packet codec, a sans-IO engine (cache, pending queue, retries,
 * negative cache, rate limit, RFC 5227 probe/announce) and the layer that
 * wires it to an `EthernetLayer` and a `Scheduler`.
 * @packageDocumentation
 */
export { createArp, type Arp, type ArpDeps } from './layer.js';
export { ARP_DEFAULTS, resolveArpConfig, type ArpOptions, type ResolvedArpConfig } from './config.js';
export { ArpEngine, type ArpAction, type ArpEntrySnapshot, type ArpSendReason } from './engine/engine.js';
export { newArpStats, type ArpDropped, type ArpStats } from './engine/stats.js';
export { TokenBucket } from './engine/token-bucket.js';
export { ArpMutView, ArpOperation, ArpView, arpBufferLen, emitArp, parseArp, type ArpRepr } from './wire/arp.js';
export * from './wire/fields.js';

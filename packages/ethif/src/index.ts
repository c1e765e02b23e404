/**
 * @stack/ethif — Ethernet II and IEEE 802.1Q for @stack: the header codec,
 * and the layer that filters by MAC, optionally puts the interface in one
 * VLAN (tagging what it sends, accepting only that VLAN), demuxes by
 * EtherType and writes frames zero-copy into one preallocated buffer.
 * @packageDocumentation
 */
export { createEthernet, type Ethernet, type EthernetDeps, type EthernetStats } from './layer.js';
export { ETHERNET_DEFAULTS, resolveEthernetConfig, type ResolvedEthernetConfig } from './config.js';
export {
  EthernetMutView, EthernetView, emitEthernet, ethernetBufferLen, ethernetHeaderLen, parseEthernet,
  type EthernetRepr, type VlanTag,
} from './wire/ethernet.js';
export * from './wire/fields.js';
export { EtherType } from './ethertype.js';

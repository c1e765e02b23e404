/**
 * @stack/netif-tap — a NetDevice over a Linux TAP (DESIGN.md, "Layout"):
 * batched non-blocking I/O through @stack/native (one JS call per read
 * batch, one native call per write batch) and virtio-net offloads
 * (Virtio 1.2 §5.1.6): partial checksums and 64 KiB TCP segments both ways.
 * @packageDocumentation
 */
export { openTap } from './open.js';
export type { TapDevice, TapNegotiated } from './device.js';
export { TAP_DEFAULTS, MAX_GSO_FRAME, resolveTapOptions, randomMac, type TapOptions, type TapConfig } from './config.js';
export type { TapStats, TapDropCounters } from './stats.js';
export { VNET_HDR_LEN, VnetField, VnetFlags, VnetGso, readU16LE, writeU16LE } from './wire/fields.js';
export {
  parseVnetHeader, emitVnetHeader, vnetHeaderBufferLen, checkVnetHeader, knownGsoType, type VnetHeaderRepr,
} from './wire/vnet-header.js';

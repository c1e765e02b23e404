/**
 * @stack/native — the one N-API addon of @stack (plain C, built with
 * node-gyp on install): open a Linux TAP (optionally inside another network
 * namespace) with virtio-net headers and offloads, read frames in batches
 * into JS-owned memory from a uv_poll, write frames in batches. Used by
 * @stack/netif-tap (DESIGN.md, "Layout": native/).
 * @packageDocumentation
 */
export { openTapHandle, checkOpenTapOptions, TapHandle, DEFAULT_OFFLOADS, type OpenTapOptions } from './tap.js';
export { FramePoller, type FramePollerOptions } from './poller.js';
export { IFF, TUN_F, IFNAME_MAX, VNET_HDR_V1_LEN } from './constants.js';
export { NativeError, fromAddonError, errnoName } from './errors.js';
export {
  loadNative, loadAddon, nativeStatus, ADDON_PATH, UNAVAILABLE_PATH,
  type NativeBinding, type NativeConstants, type PollerHandle,
} from './binding.js';

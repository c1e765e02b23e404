/**
 * @stack/sim — deterministic simulation: virtual time, a seeded PRNG, and
 * builders for simulated networks of whole stacks.
 * @packageDocumentation
 */
export { SimScheduler, type RunOptions, type SettleOptions } from './scheduler.js';
export { SeededRandom } from './random.js';
export {
  SimNetwork, type SimNetworkOptions, type AttachOptions, type LinkOptions, type SimBridgeOptions, type SimHubOptions,
  type CaptureTarget, type SimSnapshot, type SimInterfaceInfo, type SimSegmentInfo,
} from './network.js';
export { deriveRandom, deriveMac } from './derive.js';

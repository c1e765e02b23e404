/**
 * @stack/platform-node — the Node.js platform for @stack: real monotonic time
 * with one hashed timer wheel behind `Scheduler`, and crypto-backed `Random`
 * (DESIGN.md, "Contracts").
 * @packageDocumentation
 */
export { NodeScheduler, type NodeSchedulerInfo } from './scheduler.js';
export {
  SCHEDULER_DEFAULTS, resolveSchedulerOptions, rethrowAsync,
  type NodeSchedulerOptions, type NodeSchedulerConfig,
} from './config.js';
export { nodeTimerHost, type TimerHost, type HostTimer } from './host.js';
export { CryptoRandom, RANDOM_POOL_BYTES } from './random.js';

/**
 * @stack/sim — deterministic simulation: virtual time, a seeded PRNG, and
 * builders for simulated networks of whole stacks.
 * @packageDocumentation
 */
export { SimScheduler, type RunOptions } from './scheduler.js';
export { SeededRandom } from './random.js';

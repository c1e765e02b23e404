/**
 * @stack/flow/node — the Node-only adapter: a `Flow` as a `stream.Duplex`.
 * Kept out of the main entry so that one stays free of `node:` imports
 * (Web Streams and async iterators run anywhere).
 * @packageDocumentation
 */
export { toDuplex, FlowDuplex } from './duplex.js';
export type { FlowDuplexOptions } from './duplex.js';

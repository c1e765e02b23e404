/**
 * @stack/flow — a `Flow` (a TCP connection of `@stack/tcp`, or any other
 * implementation of the contract in `@stack/interfaces`) as an async
 * iterator or WHATWG streams, an RFC 862 echo and a proxy helper, and an
 * in-memory flow pair for tests. The Node `Duplex` adapter lives in
 * `@stack/flow/node`, so this entry imports nothing from Node.
 * @packageDocumentation
 */
export { iterate } from './iterate.js';
export type { IterateOptions } from './iterate.js';
export { toWebStreams } from './web.js';
export type { FlowWebStreams, WebStreamsOptions } from './web.js';
export { echo, pipeFlows } from './pump.js';
export type { EchoResult, PipeFlowsResult } from './pump.js';
export { memoryFlowPair } from './memory.js';
export type { MemoryFlow, MemoryFlowPairOptions } from './memory.js';
export { FlowStreamError, isFlowStreamError, FLOW_ERROR_CODES } from './errors.js';
export type { FlowErrorCode } from './errors.js';

/**
 * @stack/tcp — TCP for @stack: the wire level (segment codec with options
 * and checksum, allocation-free per-segment readers, sequence-number
 * arithmetic), the typed config, and the first slice of the sans-IO engine
 * (`TcpConnection`). The layer (`createTcp`, listeners, `Flow`) follows
 * (issue 3).
 * @packageDocumentation
 */
export * from './wire/index.js';
export * from './engine/index.js';
export { TCP_DEFAULTS, resolveTcpConfig, type ResolvedTcpConfig, type TcpConfig } from './config.js';
export { createTcp, type Tcp, type TcpDeps, type TcpStats } from './layer/layer.js';
export { TcpFlow } from './layer/flow.js';
export { ListenerImpl as TcpListener } from './layer/listener.js';
export {
  TCP_LAYER_DEFAULTS, resolveTcpLayerConfig, type ResolvedTcpLayerConfig, type ResolvedTcpLayerOptions, type SynCookieMode, type TcpLayerConfig,
} from './layer/config.js';

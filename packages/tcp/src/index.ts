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

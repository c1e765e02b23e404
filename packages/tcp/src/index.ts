/**
 * @stack/tcp — TCP for @stack. For now the wire level: the segment codec
 * (view, repr, parse/emit with options and checksum), allocation-free
 * per-segment readers and sequence-number arithmetic. The sans-IO engine and
 * the layer follow (issue 3).
 * @packageDocumentation
 */
export * from './wire/index.js';

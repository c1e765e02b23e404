/**
 * @stack/wire — byte conventions shared by every codec: big-endian fields,
 * the internet checksum, addresses, ParseResult/WireError, hex helpers.
 * @packageDocumentation
 */
export * from './parse.js';
export * from './bytes.js';
export * from './checksum.js';
export * from './address.js';
export * from './hex.js';
export * from './protocols.js';
export * from './siphash.js';

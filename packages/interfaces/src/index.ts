/**
 * @stack/interfaces — the contracts the layers of @stack meet through
 * (DESIGN.md, "Contracts"). Types only, plus `StackError`.
 * @packageDocumentation
 */
export type * from './address.js';
export type * from './time.js';
export type * from './device.js';
export { plainCapabilities } from './device.js';
export type * from './layers.js';
export type * from './flow.js';
export type * from './stack.js';
export type * from './config.js';
export type * from './stats.js';
export { StackError, isStackError } from './errors.js';
export type { StackErrorCode } from './errors.js';

import type { FlowError } from '@stack/interfaces';

/**
 * Stable codes of `FlowStreamError`, one per `FlowError` a flow can give:
 * `ERR_FLOW_RESET` (the peer reset the connection), `ERR_FLOW_TIMEOUT` (the
 * connection timed out: retransmissions, keepalive or user timeout),
 * `ERR_FLOW_ABORTED` (this side aborted it) and `ERR_FLOW_CLOSED` (the flow
 * was closed while it was still in use).
 */
export type FlowErrorCode = 'ERR_FLOW_RESET' | 'ERR_FLOW_TIMEOUT' | 'ERR_FLOW_ABORTED' | 'ERR_FLOW_CLOSED';

/** The code of `FlowStreamError` for each `FlowError`. */
export const FLOW_ERROR_CODES = {
  reset: 'ERR_FLOW_RESET',
  timeout: 'ERR_FLOW_TIMEOUT',
  aborted: 'ERR_FLOW_ABORTED',
  closed: 'ERR_FLOW_CLOSED',
} as const satisfies Record<FlowError, FlowErrorCode>;

const MESSAGES: Record<FlowError, string> = {
  reset: 'the connection was reset by the peer',
  timeout: 'the connection timed out',
  aborted: 'the connection was aborted',
  closed: 'the connection was closed',
};

// A registry symbol, so that `instanceof` holds across copies of this module
// (the ESM and CJS builds, or the main and `/node` entries, each bundle one).
const BRAND = Symbol.for('@stack/flow.FlowStreamError');

/**
 * What the stream adapters throw (`iterate`), emit (`toDuplex`'s 'error') or
 * error their streams with (`toWebStreams`) when the flow fails: the flow's
 * `FlowError` as `reason`, with a stable `code`. Not a `StackError`: that one
 * is for misuse, while a reset or a timeout is the network's doing
 * (DESIGN.md, "Errors"); the adapters only turn the value into the exception
 * their stream API needs.
 */
export class FlowStreamError extends Error {
  /** Stable machine-readable code; the message is for people and may change. */
  readonly code: FlowErrorCode;
  /** The flow's own error value. */
  readonly reason: FlowError;

  constructor(reason: FlowError, options?: { cause?: unknown }) {
    super(MESSAGES[reason] ?? `flow error: ${String(reason)}`, options);
    this.name = 'FlowStreamError';
    this.reason = reason;
    this.code = FLOW_ERROR_CODES[reason] ?? 'ERR_FLOW_RESET';
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** True when `err` is a `FlowStreamError`, optionally with the given code. */
export function isFlowStreamError(err: unknown, code?: FlowErrorCode): err is FlowStreamError {
  return err instanceof FlowStreamError && (code === undefined || err.code === code);
}

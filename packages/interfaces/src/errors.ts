/**
 * Stable codes of `StackError`: misuse of the API, never a peer's behaviour.
 * A peer that misbehaves or a malformed packet is a value or a counter,
 * never an exception (DESIGN.md, "Errors").
 */
export type StackErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_CONFIG'
  | 'ERR_PORT_IN_USE'
  | 'ERR_NO_PORTS'
  | 'ERR_CLOSED'
  | 'ERR_UNSUPPORTED'
  | 'ERR_DEVICE'
  | 'ERR_LIMIT'
  /** The native addon (@stack/native) is not built or cannot load on this machine; the message says why and how to fix it. */
  | 'ERR_NATIVE_UNAVAILABLE';

/**
 * The one exception type of @stack: thrown for misuse (a port out of range,
 * writing after close, a bad config), with a stable `code` to match on.
 */
export class StackError extends Error {
  /** Stable machine-readable code; the message is for people and may change. */
  readonly code: StackErrorCode;

  constructor(code: StackErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackError';
    this.code = code;
  }
}

/** True when `err` is a StackError, optionally with the given code. */
export function isStackError(err: unknown, code?: StackErrorCode): err is StackError {
  return err instanceof StackError && (code === undefined || err.code === code);
}

/**
 * Why bytes could not be parsed. Parsing untrusted input never throws: it
 * returns one of these with the offset where it went wrong (DESIGN.md).
 *  - `truncated`: fewer bytes than the format needs
 *  - `malformed`: a field holds a value the format forbids
 *  - `checksum`: the checksum does not verify
 *  - `unsupported`: valid, but a variant we do not handle (a version, a type)
 */
export type WireErrorKind = 'truncated' | 'malformed' | 'checksum' | 'unsupported';

export interface WireError {
  readonly kind: WireErrorKind;
  /** Byte offset, within the parsed buffer, of the problem. */
  readonly offset: number;
  /** A short human explanation ("IHL 3 < 5", "options run past header"). */
  readonly message: string;
}

/** The result of parsing: a value or a WireError. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

/** A successful ParseResult. */
export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

/** A failed ParseResult. */
export function fail<T = never>(kind: WireErrorKind, offset: number, message: string): ParseResult<T> {
  return { ok: false, error: { kind, offset, message } };
}

/** Formats a WireError for logs: `truncated at 12: need 20 bytes, have 12`. */
export function formatWireError(error: WireError): string {
  return `${error.kind} at ${error.offset}: ${error.message}`;
}

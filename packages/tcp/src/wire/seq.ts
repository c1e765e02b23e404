// Sequence-number arithmetic (RFC 9293 §3.4; the comparison is RFC 1982's
// serial-number arithmetic with SERIAL_BITS = 32). Sequence numbers are u32
// held in plain numbers; comparisons look at the signed 32-bit difference,
// so they hold across the wrap at 2^32 as long as the two numbers are less
// than 2^31 apart. Exactly 2^31 apart the order is undefined (RFC 1982
// §3.2): here both a < b and b < a are true, as with Linux's before().

/** True when `a` comes before `b` (a < b modulo 2^32). */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** True when `a` comes before `b` or equals it. */
export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** True when `a` comes after `b`. */
export function seqGt(a: number, b: number): boolean {
  return ((b - a) | 0) < 0;
}

/** True when `a` comes after `b` or equals it. */
export function seqGe(a: number, b: number): boolean {
  return ((b - a) | 0) <= 0;
}

/** `seq + n` modulo 2^32, as a u32 (`n` may be negative). */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) >>> 0;
}

/**
 * The signed distance from `b` to `a` (a − b modulo 2^32, in
 * −2^31..2^31−1): how many bytes `a` is ahead of `b`.
 */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** The later of two sequence numbers. */
export function seqMax(a: number, b: number): number {
  return seqLt(a, b) ? b : a;
}

/** The earlier of two sequence numbers. */
export function seqMin(a: number, b: number): number {
  return seqLt(a, b) ? a : b;
}

/**
 * True when `seq` lies in the window `start .. start+length-1` (RFC 9293
 * §3.4: `start =< seq < start+length`), modulo 2^32. An empty window holds
 * nothing. `length` is 0..2^32−1.
 */
export function inWindow(seq: number, start: number, length: number): boolean {
  return (seq - start) >>> 0 < length;
}

// HalfSipHash-2-4 (Aumasson and Bernstein's SipHash family, the 32-bit
// variant Linux calls hsiphash): a keyed pseudorandom function, used for
// RFC 6528 initial sequence numbers, RFC 6056 port offsets, SYN cookies and
// IPv4 identification counters. One implementation for every package.

/**
 * HalfSipHash-2-4 with a 32-bit tag of a message of `count` (0..5)
 * little-endian words `w0`.. followed by its final word `last` (the
 * message length in bytes in the top byte, the 0..3 bytes after the whole
 * words below it), under the 64-bit key (`k0`, `k1`: key bytes 0..3 and
 * 4..7, little-endian). The tag is the u32 the reference implementation
 * writes little-endian. State in locals: allocation-free, no byte buffer.
 */
export function halfSipHashWords(k0: number, k1: number, count: number, w0: number, w1: number, w2: number, w3: number, w4: number, last: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = (0x6c796765 ^ k0) | 0;
  let v3 = (0x74656462 ^ k1) | 0;
  for (let w = 0; w <= count; w++) {
    const m = (w === count ? last : w === 0 ? w0 : w === 1 ? w1 : w === 2 ? w2 : w === 3 ? w3 : w4) | 0;
    v3 ^= m;
    for (let r = 0; r < 2; r++) {
      v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
      v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
      v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
      v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
    }
    v0 ^= m;
  }
  v2 ^= 0xff;
  for (let r = 0; r < 4; r++) {
    v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
    v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
    v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  }
  return (v1 ^ v3) >>> 0;
}

/** The longest message `halfSipHash24` takes: five words, enough for every key this stack hashes. */
export const HALF_SIPHASH_MAX_BYTES = 20;

/** The little-endian word at `i` of `msg`, or 0 at or past `whole`. */
function wordAt(msg: Uint8Array, i: number, whole: number): number {
  return i < whole ? msg[i]! | (msg[i + 1]! << 8) | (msg[i + 2]! << 16) | (msg[i + 3]! << 24) : 0;
}

/**
 * `halfSipHashWords` of the bytes of `msg` (at most 20; a longer message
 * is a RangeError, the caller's mistake): the reference function's tag.
 * Allocation-free.
 */
export function halfSipHash24(k0: number, k1: number, msg: Uint8Array): number {
  if (msg.length > HALF_SIPHASH_MAX_BYTES) {
    throw new RangeError(`halfSipHash24: a ${msg.length}-byte message; at most ${HALF_SIPHASH_MAX_BYTES} bytes`);
  }
  const whole = msg.length & ~3;
  let last = (msg.length & 0xff) << 24;
  for (let i = whole, s = 0; i < msg.length; i++, s += 8) last |= msg[i]! << s;
  return halfSipHashWords(k0, k1, whole >> 2, wordAt(msg, 0, whole), wordAt(msg, 4, whole), wordAt(msg, 8, whole), wordAt(msg, 12, whole), wordAt(msg, 16, whole), last);
}

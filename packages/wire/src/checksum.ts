// The internet checksum (RFC 1071): the ones' complement of the ones'
// complement sum of 16-bit big-endian words. We accumulate in a plain JS
// number (exact to 2^53, so no carries are lost for any packet size) and fold
// once at the end; long ranges are read 32 bits at a time. RFC 1624 gives
// the incremental update when one field changes.

import { writeU16 } from './bytes.js';

/** Shortest range `sumWords` reads as 32-bit words (shorter ones go byte by byte; also keeps small on-heap arrays from being moved off-heap by `.buffer`). */
const WORDS_MIN = 128;

/** True on a little-endian host (all that Node runs on today), where the word loop applies. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Adds the bytes `buf[start..end)` to the running sum `acc` as 16-bit
 * big-endian words and returns the new sum: not folded to 16 bits, and
 * equal to the plain word sum modulo 0xffff (so `fold` of it is the same),
 * and 0 only when `acc` and every byte are 0. An odd final byte is padded
 * with zero, so only the last chunk of a packet may have odd length.
 *
 * Ranges of `WORDS_MIN` bytes or more that start at an even address are
 * read four bytes at a time through a Uint32Array view of the same memory
 * on a little-endian host: 32 bits at a time (RFC 1071 §2(B), parallel
 * summation) with the carries deferred (§2(C)), in the host's byte order,
 * folded to 16 bits and byte-swapped once at the end (§2(A): the sum does
 * not depend on byte order).
 */
export function sumWords(buf: Uint8Array, start: number, end: number, acc = 0): number {
  if (end - start < WORDS_MIN || !LITTLE_ENDIAN) return sumBytes(buf, start, end, acc);
  const at = buf.byteOffset + start;
  if ((at & 1) !== 0) return sumBytes(buf, start, end, acc);
  let s = acc;
  let i = start;
  if ((at & 2) !== 0) {
    s += (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
  }
  const words = (end - i) >>> 2;
  // A view of the same memory (buf.byteOffset + i is a multiple of 4 here). Made per call: it does not
  // outlive the call, which V8 handles at least as fast as a cached view, and no buffer is kept alive.
  s += swap16(sumU32(new Uint32Array(buf.buffer, buf.byteOffset + i, words)));
  return sumBytes(buf, i + 4 * words, end, s);
}

/** The ones' complement sum of the 32-bit words of `v`, folded to 16 bits (in the host's byte order). */
function sumU32(v: Uint32Array): number {
  const to = v.length;
  let x = 0;
  let k = 0;
  // A float accumulator: exact while under 2^53, i.e. for up to 2^21 words (8 MiB) per run; fold between runs.
  while (k < to) {
    const stop = Math.min(to, k + (1 << 20));
    const stop4 = stop - 3;
    for (; k < stop4; k += 4) x += v[k]! + v[k + 1]! + v[k + 2]! + v[k + 3]!;
    for (; k < stop; k++) x += v[k]!;
    x = fold(x);
  }
  return x;
}

/** Swaps the two bytes of a 16-bit value. */
function swap16(x: number): number {
  return ((x & 0xff) << 8) | (x >>> 8);
}

/** `sumWords` byte by byte: two bytes make a big-endian word. */
function sumBytes(buf: Uint8Array, start: number, end: number, acc: number): number {
  let s = acc;
  let i = start;
  // Eight bytes per turn: four words, one bound check per byte, no allocation.
  const stop8 = end - 7;
  for (; i < stop8; i += 8) {
    s += ((buf[i]! << 8) | buf[i + 1]!) + ((buf[i + 2]! << 8) | buf[i + 3]!) + ((buf[i + 4]! << 8) | buf[i + 5]!) + ((buf[i + 6]! << 8) | buf[i + 7]!);
  }
  const stop2 = end - 1;
  for (; i < stop2; i += 2) s += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) s += buf[i]! << 8;
  return s;
}

/** Folds an accumulated sum to 16 bits with end-around carry (not complemented). */
export function fold(sum: number): number {
  let s = sum;
  // Sums past 32 bits (buffers over 128 KiB) first come down with arithmetic;
  // then two bitwise end-around-carry steps finish it.
  while (s > 0xffffffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  s = (s & 0xffff) + (s >>> 16);
  return (s & 0xffff) + (s >>> 16);
}

/** The internet checksum of `buf[start..end)` plus an initial sum: ready to write into a header. */
export function checksum(buf: Uint8Array, start = 0, end = buf.length, initial = 0): number {
  return ~fold(sumWords(buf, start, end, initial)) & 0xffff;
}

/**
 * Completes a partial transport checksum as a device does for virtio's
 * NEEDS_CSUM (Linux's skb_checksum_help): the 16-bit field at `field`
 * holds the folded pseudo-header sum (RFC 1071 §2 lets it be summed like
 * the rest), and the internet checksum of `buf[start..end)` replaces it,
 * a computed 0 written as 0xffff (the same value in ones' complement; UDP
 * needs the latter, RFC 768). Zero padding inside the range adds nothing.
 */
export function completePartialChecksum(buf: Uint8Array, start: number, end: number, field: number): void {
  const c = checksum(buf, start, end);
  writeU16(buf, field, c === 0 ? 0xffff : c);
}

/** True when a range that contains its own checksum field sums to 0xffff (verifies). */
export function checksumValid(buf: Uint8Array, start = 0, end = buf.length, initial = 0): boolean {
  return fold(sumWords(buf, start, end, initial)) === 0xffff;
}

/**
 * The unfolded sum of the IPv4 pseudo-header for TCP/UDP (RFC 768, RFC 9293
 * §3.1): source, destination, zero + protocol, and the L4 length.
 */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/**
 * RFC 1624 eqn. 3: the new checksum after a 16-bit field changes from `oldWord`
 * to `newWord`, without summing the packet again: HC' = ~(~HC + ~m + m').
 */
export function updateChecksum16(oldChecksum: number, oldWord: number, newWord: number): number {
  return ~fold((~oldChecksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}

/** RFC 1624 for a 32-bit field (an address): two 16-bit updates at once. */
export function updateChecksum32(oldChecksum: number, oldValue: number, newValue: number): number {
  return (
    ~fold(
      (~oldChecksum & 0xffff) +
        (~(oldValue >>> 16) & 0xffff) +
        (~oldValue & 0xffff) +
        (newValue >>> 16) +
        (newValue & 0xffff),
    ) & 0xffff
  );
}

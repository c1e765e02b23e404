// The internet checksum (RFC 1071): the ones' complement of the ones'
// complement sum of 16-bit big-endian words. We accumulate in a plain JS
// number (exact to 2^53, so no carries are lost for any packet size) and fold
// once at the end. RFC 1624 gives the incremental update when one field changes.

/**
 * Adds the bytes `buf[start..end)` to the running sum `acc` as 16-bit
 * big-endian words and returns the new, unfolded sum. An odd final byte is
 * padded with zero, so only the last chunk of a packet may have odd length.
 */
export function sumWords(buf: Uint8Array, start: number, end: number, acc = 0): number {
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

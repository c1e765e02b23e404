/** A 64-bit HalfSipHash key as two u32 words (k0 from key bytes 0..3 little-endian, k1 from 4..7). */
export interface IsnSecret {
  readonly k0: number;
  readonly k1: number;
}

/** The little-endian word at `i` of `msg`, or 0 at or past `whole`. */
function wordAt(msg: Uint8Array, i: number, whole: number): number {
  return i < whole ? msg[i]! | (msg[i + 1]! << 8) | (msg[i + 2]! << 16) | (msg[i + 3]! << 24) : 0;
}

/**
 * HalfSipHash-2-4 with a 32-bit tag (Aumasson and Bernstein; the reduced
 * variant of the reference implementation): a keyed pseudorandom function of
 * `msg`. The tag is the u32 the reference writes little-endian. Small and
 * table-free; used for RFC 6528 ISNs (Linux uses SipHash for the same).
 * Allocation-free.
 */
export function halfSipHash24(k0: number, k1: number, msg: Uint8Array): number {
  const whole = msg.length & ~3;
  let b = (msg.length & 0xff) << 24;
  for (let i = whole, s = 0; i < msg.length; i++, s += 8) b |= msg[i]! << s;
  if (whole <= 20) {
    // Up to five whole words: the word-wise form (the same function, without a loop over bytes).
    return halfSipHashWords(k0, k1, whole >> 2, wordAt(msg, 0, whole), wordAt(msg, 4, whole), wordAt(msg, 8, whole), wordAt(msg, 12, whole), wordAt(msg, 16, whole), b);
  }
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = (0x6c796765 ^ k0) | 0;
  let v3 = (0x74656462 ^ k1) | 0;
  for (let i = 0; i <= whole; i += 4) {
    const m = i < whole ? msg[i]! | (msg[i + 1]! << 8) | (msg[i + 2]! << 16) | (msg[i + 3]! << 24) : b;
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

/**
 * `halfSipHash24` of a message given as `count` (0..5) little-endian words
 * `w0`.. and its final word `last` (the length in the top byte, the 0..3
 * bytes after the whole words below it): the same tag, with no byte buffer
 * to fill and read back. State in locals, allocation-free.
 */
export function halfSipHashWords(k0: number, k1: number, count: number, w0: number, w1: number, w2: number, w3: number, w4: number, last: number): number {
  let v0 = k0 | 0;
  let v1 = k1 | 0;
  let v2 = (0x6c796765 ^ k0) | 0;
  let v3 = (0x74656462 ^ k1) | 0;
  for (let w = 0; w <= count; w++) {
    const m = w === count ? last : w === 0 ? w0 : w === 1 ? w1 : w === 2 ? w2 : w === 3 ? w3 : w4;
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

/** The 32-bit word whose little-endian bytes are `x`'s big-endian ones (network order read as the hash reads words). */
export function swap32(x: number): number {
  return ((x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24)) | 0;
}

/** `swap32` for a 16-bit value: its two bytes in network order as the low half of a little-endian word. */
export function swap16(x: number): number {
  return ((x >>> 8) & 0xff) | ((x & 0xff) << 8);
}

/**
 * An initial sequence number per RFC 6528 §3: ISN = M + F(localip,
 * localport, remoteip, remoteport, secretkey), with M a timer ticking every
 * 4 µs (250 per ms of `now`) and F = HalfSipHash-2-4 keyed with `secret`
 * (draw it once per stack from `Random`) of the 12 bytes local address,
 * remote address, local port, remote port in network order. Addresses are
 * IPv4 u32. Pure: the same inputs give the same ISN.
 */
export function tcpIsn(secret: IsnSecret, localAddr: number, localPort: number, remoteAddr: number, remotePort: number, now: number): number {
  const ports = swap16(localPort) | (swap16(remotePort) << 16);
  const m = Math.floor(now * 250) % 0x1_0000_0000;
  return (m + halfSipHashWords(secret.k0, secret.k1, 3, swap32(localAddr), swap32(remoteAddr), ports, 0, 0, 12 << 24)) >>> 0;
}

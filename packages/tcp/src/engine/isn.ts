import { halfSipHashWords } from '@stack/wire';

// HalfSipHash-2-4 lives in @stack/wire (shared with IPv4's identification counters).
export { halfSipHash24, halfSipHashWords } from '@stack/wire';

/** A 64-bit HalfSipHash key as two u32 words (k0 from key bytes 0..3 little-endian, k1 from 4..7). */
export interface IsnSecret {
  readonly k0: number;
  readonly k1: number;
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

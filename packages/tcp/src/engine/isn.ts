import { writeU16, writeU32 } from '@stack/wire';

/** A 64-bit HalfSipHash key as two u32 words (k0 from key bytes 0..3 little-endian, k1 from 4..7). */
export interface IsnSecret {
  readonly k0: number;
  readonly k1: number;
}

function rotl(x: number, b: number): number {
  return (x << b) | (x >>> (32 - b));
}

/** HalfSipHash state: module-level so that a hash allocates nothing (no closure per call); hashing is synchronous. */
let v0 = 0;
let v1 = 0;
let v2 = 0;
let v3 = 0;

/** One SipRound over the 32-bit state. */
function sipRound(): void {
  v0 = (v0 + v1) | 0;
  v1 = rotl(v1, 5) ^ v0;
  v0 = rotl(v0, 16);
  v2 = (v2 + v3) | 0;
  v3 = rotl(v3, 8) ^ v2;
  v0 = (v0 + v3) | 0;
  v3 = rotl(v3, 7) ^ v0;
  v2 = (v2 + v1) | 0;
  v1 = rotl(v1, 13) ^ v2;
  v2 = rotl(v2, 16);
}

/**
 * HalfSipHash-2-4 with a 32-bit tag (Aumasson and Bernstein; the reduced
 * variant of the reference implementation): a keyed pseudorandom function of
 * `msg`. The tag is the u32 the reference writes little-endian. Small and
 * table-free; used for RFC 6528 ISNs (Linux uses SipHash for the same).
 */
export function halfSipHash24(k0: number, k1: number, msg: Uint8Array): number {
  v0 = k0 | 0;
  v1 = k1 | 0;
  v2 = 0x6c796765 ^ k0;
  v3 = 0x74656462 ^ k1;
  const whole = msg.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    const m = msg[i]! | (msg[i + 1]! << 8) | (msg[i + 2]! << 16) | (msg[i + 3]! << 24);
    v3 ^= m;
    sipRound();
    sipRound();
    v0 ^= m;
  }
  let b = (msg.length & 0xff) << 24;
  for (let i = whole, s = 0; i < msg.length; i++, s += 8) b |= msg[i]! << s;
  v3 ^= b;
  sipRound();
  sipRound();
  v0 ^= b;
  v2 ^= 0xff;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
  return (v1 ^ v3) >>> 0;
}

const TUPLE = new Uint8Array(12);

/**
 * An initial sequence number per RFC 6528 §3: ISN = M + F(localip,
 * localport, remoteip, remoteport, secretkey), with M a timer ticking every
 * 4 µs (250 per ms of `now`) and F = HalfSipHash-2-4 keyed with `secret`
 * (draw it once per stack from `Random`). Addresses are IPv4 u32. Pure:
 * the same inputs give the same ISN.
 */
export function tcpIsn(secret: IsnSecret, localAddr: number, localPort: number, remoteAddr: number, remotePort: number, now: number): number {
  writeU32(TUPLE, 0, localAddr >>> 0);
  writeU32(TUPLE, 4, remoteAddr >>> 0);
  writeU16(TUPLE, 8, localPort);
  writeU16(TUPLE, 10, remotePort);
  const m = Math.floor(now * 250) % 0x1_0000_0000;
  return (m + halfSipHash24(secret.k0, secret.k1, TUPLE)) >>> 0;
}

// Big-endian (network order) field access on Uint8Array, by index: no
// DataView, no allocation. Callers check bounds once (a checked view does),
// after which these never read out of range.

/** Reads an unsigned 16-bit big-endian integer at `offset`. */
export function readU16(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 8) | buf[offset + 1]!) >>> 0;
}

/** Reads an unsigned 32-bit big-endian integer at `offset`. */
export function readU32(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

/** Reads a 48-bit big-endian integer (a MAC address) at `offset`. */
export function readU48(buf: Uint8Array, offset: number): number {
  return readU16(buf, offset) * 0x1_0000_0000 + readU32(buf, offset + 2);
}

/** Writes `value` as an unsigned 16-bit big-endian integer at `offset`. */
export function writeU16(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 8;
  buf[offset + 1] = value;
}

/** Writes `value` as an unsigned 32-bit big-endian integer at `offset`. */
export function writeU32(buf: Uint8Array, offset: number, value: number): void {
  buf[offset] = value >>> 24;
  buf[offset + 1] = value >>> 16;
  buf[offset + 2] = value >>> 8;
  buf[offset + 3] = value;
}

/** Writes a 48-bit integer (a MAC address) big-endian at `offset`. */
export function writeU48(buf: Uint8Array, offset: number, value: number): void {
  writeU16(buf, offset, Math.floor(value / 0x1_0000_0000));
  writeU32(buf, offset + 2, value >>> 0);
}

/** True when the two ranges hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy of `src` in a new buffer of its own (when a view must outlive its callback). */
export function copyBytes(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length);
  out.set(src);
  return out;
}

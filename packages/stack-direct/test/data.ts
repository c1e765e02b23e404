// Test data helpers with no vitest import, so scripts outside vitest (soak, --prof probes) share them.
import { createHash } from 'node:crypto';

/** SHA-256 of `bytes`, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Deterministic test data: a byte pattern that catches shifted or swapped fragments. */
export function pattern(length: number, salt = 0): Uint8Array {
  const out = new Uint8Array(length);
  let x = 0x9e3779b9 ^ salt;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

// The one SHA-256 helper of the echo app's tests (sim and peer).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** SHA-256 of bytes, as hex. */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file, as hex. */
export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

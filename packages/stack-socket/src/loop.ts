import type { Endpoint } from '@stack/interfaces';
import { parseIpv4 } from '@stack/wire';

/**
 * Resolves after the event loop has passed its close-callbacks phase at
 * least once: by then every handle closed before the call (uv_close) is
 * gone from `process.getActiveResourcesInfo()`. A closing handle's
 * callback runs in the next close phase; two check phases (setImmediate)
 * bracket one.
 */
export function afterHandlesClosed(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** An IPv4 endpoint from Node's text address (IPv4-mapped IPv6 included); address 0 when there is none. */
export function endpointOf(address: string | undefined, port: number | undefined): Endpoint {
  let text = address ?? '';
  if (text.startsWith('::ffff:')) text = text.slice(7);
  return Object.freeze({ address: parseIpv4(text) ?? 0, port: port ?? 0 });
}

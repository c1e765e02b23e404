import { localMac } from '@stack/wire';
import type { MacAddress } from '@stack/interfaces';
import { SeededRandom } from './random.js';

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`. */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A generator for one purpose (`label`) of a simulation with `seed`. Its seed
 * is a hash of both, not a draw from a shared stream: adding a host or a
 * fault never shifts anyone else's randomness.
 */
export function deriveRandom(seed: number, label: string): SeededRandom {
  return new SeededRandom(fnv1a32(`${seed >>> 0}\u0000${label}`));
}

/** A locally administered unicast MAC (02:00:xx:xx:xx:xx) for an interface name; `attempt` > 0 on a clash. */
export function deriveMac(name: string, attempt = 0): MacAddress {
  return localMac(fnv1a32(attempt === 0 ? name : `${name}\u0000${attempt}`));
}

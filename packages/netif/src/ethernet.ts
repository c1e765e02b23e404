import { localMac, readU16 } from '@stack/wire';
import type { MacAddress } from '@stack/interfaces';

/** Ethernet II header: destination, source, EtherType (IEEE 802.3 §3.1). */
export const Eth = {
  DST: 0,
  SRC: 6,
  TYPE: 12,
  HEADER: 14,
  /** An 802.1Q / 802.1ad tag: TPID (the EtherType slot) + TCI. */
  TAG: 4,
} as const;

/** TPID of an IEEE 802.1Q VLAN tag. */
export const TPID_8021Q = 0x8100;
/** TPID of an IEEE 802.1ad (QinQ) service tag. */
export const TPID_8021AD = 0x88a8;

/**
 * Largest frame a device of `mtu` carries: the 14-byte header plus `mtu`,
 * plus 4 when the frame is VLAN tagged (the tag does not eat into the MTU).
 */
export function frameFits(frame: Uint8Array, mtu: number): boolean {
  if (frame.length <= Eth.HEADER + mtu) return true;
  if (frame.length > Eth.HEADER + Eth.TAG + mtu) return false;
  const tpid = readU16(frame, Eth.TYPE);
  return tpid === TPID_8021Q || tpid === TPID_8021AD;
}

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`. */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A locally administered unicast MAC (02:00:xx:xx:xx:xx) derived from a
 * name, so simulated devices get stable addresses without shared state.
 * Different names can collide (32 bits); pass explicit MACs when that matters.
 */
export function macFromName(name: string): MacAddress {
  return localMac(fnv1a32(name));
}

import { EtherType as WireEtherType } from '@stack/wire';

/**
 * EtherType values (IEEE 802 numbers, IANA/IEEE RA registry): those of
 * `@stack/wire` plus a few more the Ethernet layer may meet. An `as const`
 * object, not an enum: unknown EtherTypes stay plain numbers and round-trip.
 * Values below 0x0600 are 802.3 length fields, not types. Frozen: no one
 * can change a number another user relies on.
 */
export const EtherType = Object.freeze({
  ...WireEtherType,
  /** Wake-on-LAN magic packet. */
  WakeOnLan: 0x0842,
  /** Reverse ARP (RFC 903). */
  RARP: 0x8035,
  /** IEEE 802.1AB Link Layer Discovery Protocol. */
  LLDP: 0x88cc,
} as const);

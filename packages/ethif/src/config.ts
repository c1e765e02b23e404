import { StackError, type EthernetConfig, type MacAddress } from '@stack/interfaces';

/** The Ethernet config with every field filled in (what `stack.config` shows). */
export interface ResolvedEthernetConfig {
  readonly promiscuous: boolean;
  readonly multicast: readonly MacAddress[];
  readonly vlans: readonly number[];
}

/** Defaults of `EthernetConfig`: filter on our MAC and broadcast, no multicast, untagged frames only. */
export const ETHERNET_DEFAULTS: ResolvedEthernetConfig = Object.freeze({
  promiscuous: false,
  multicast: Object.freeze([]) as readonly MacAddress[],
  vlans: Object.freeze([]) as readonly number[],
});

/**
 * Fills in defaults and validates an `EthernetConfig`. Throws
 * ERR_INVALID_CONFIG saying which field is wrong and what is allowed.
 */
export function resolveEthernetConfig(config: EthernetConfig = {}): ResolvedEthernetConfig {
  const promiscuous = config.promiscuous ?? ETHERNET_DEFAULTS.promiscuous;
  if (typeof promiscuous !== 'boolean') {
    throw new StackError('ERR_INVALID_CONFIG', `ethernet.promiscuous must be a boolean, got ${String(promiscuous)}`);
  }
  const multicast = [...(config.multicast ?? ETHERNET_DEFAULTS.multicast)];
  for (const mac of multicast) {
    if (!(Number.isInteger(mac) && mac >= 0 && mac <= 0xffff_ffff_ffff) || (Math.floor(mac / 0x100_0000_0000) & 1) !== 1) {
      throw new StackError('ERR_INVALID_CONFIG', `ethernet.multicast: ${mac} is not a group MAC (want an integer 0..2^48-1 with the I/G bit of the first byte set, e.g. 0x01005e0000fb)`);
    }
  }
  const vlans = [...(config.vlans ?? ETHERNET_DEFAULTS.vlans)];
  for (const vid of vlans) {
    if (!(Number.isInteger(vid) && vid >= 0 && vid <= 4094)) {
      throw new StackError('ERR_INVALID_CONFIG', `ethernet.vlans: ${vid} is not a VLAN id (want integers 0..4094; 0 accepts priority-tagged frames)`);
    }
  }
  return { promiscuous, multicast, vlans };
}

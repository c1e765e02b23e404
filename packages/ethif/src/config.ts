import { StackError, type EthernetConfig, type MacAddress } from '@stack/interfaces';

/** The Ethernet config with every field filled in (what `stack.config` shows). Frozen. */
export interface ResolvedEthernetConfig {
  readonly promiscuous: boolean;
  readonly multicast: readonly MacAddress[];
  /** The 802.1Q VLAN the interface is in (1..4094), or null: untagged. */
  readonly vlan: number | null;
}

/**
 * Defaults of `EthernetConfig`: filter on our MAC and broadcast, no
 * multicast, no VLAN (untagged frames). Frozen, like everything reachable
 * from it: one stack cannot change another's defaults.
 */
export const ETHERNET_DEFAULTS: ResolvedEthernetConfig = Object.freeze({
  promiscuous: false,
  multicast: Object.freeze([]) as readonly MacAddress[],
  vlan: null,
});

/** The options `EthernetConfig` has; anything else is a typo and refused. */
const KNOWN: readonly string[] = Object.freeze(Object.keys(ETHERNET_DEFAULTS));

function invalid(message: string): never {
  throw new StackError('ERR_INVALID_CONFIG', `ethernet.${message}`);
}

/**
 * Fills in defaults and validates an `EthernetConfig`. Throws
 * ERR_INVALID_CONFIG saying which field is wrong and what is allowed; an
 * unknown field (a typo such as `promiscous`) is refused with the list of
 * known ones. The result is frozen.
 */
export function resolveEthernetConfig(config: EthernetConfig = {}): ResolvedEthernetConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new StackError('ERR_INVALID_CONFIG', `ethernet config must be an object, got ${String(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!KNOWN.includes(key)) invalid(`${key} is not an option (known: ${KNOWN.join(', ')})`);
  }
  const promiscuous = config.promiscuous ?? ETHERNET_DEFAULTS.promiscuous;
  if (typeof promiscuous !== 'boolean') invalid(`promiscuous must be a boolean, got ${String(promiscuous)}`);
  const multicastIn: unknown = config.multicast ?? ETHERNET_DEFAULTS.multicast;
  if (!Array.isArray(multicastIn)) invalid(`multicast must be an array of group MACs, got ${String(multicastIn)}`);
  const multicast = [...(multicastIn as readonly MacAddress[])];
  for (const mac of multicast) {
    if (!(Number.isInteger(mac) && mac >= 0 && mac <= 0xffff_ffff_ffff) || (Math.floor(mac / 0x100_0000_0000) & 1) !== 1) {
      invalid(`multicast: ${mac} is not a group MAC (want an integer 0..2^48-1 with the I/G bit of the first byte set, e.g. 0x01005e0000fb)`);
    }
  }
  // null is accepted too, so a resolved config fed back in means "no VLAN".
  const vlan = (config.vlan as number | null | undefined) ?? ETHERNET_DEFAULTS.vlan;
  if (vlan !== null && !(Number.isInteger(vlan) && vlan >= 1 && vlan <= 4094)) {
    invalid(`vlan: ${String(vlan)} is not a VLAN id (want an integer 1..4094; 0 and 4095 are reserved by IEEE 802.1Q; leave it out for untagged frames)`);
  }
  return Object.freeze({ promiscuous, multicast: Object.freeze(multicast), vlan });
}

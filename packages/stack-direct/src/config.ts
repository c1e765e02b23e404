import {
  StackError,
  type ArpConfig,
  type EthernetConfig,
  type IcmpConfig,
  type Ipv4Address,
  type Ipv4Cidr,
  type Ipv4Like,
  type StackDirectConfig,
  type UdpConfig,
} from '@stack/interfaces';
import { ipv4, parseCidr } from '@stack/wire';
import type { TcpLayerConfig } from '@stack/tcp';

/**
 * What a user writes to make a direct stack: the config of each layer, with
 * addresses as text or numbers. `createDirectStack` resolves it into a
 * `StackDirectConfig` and each layer fills in its documented defaults.
 */
export interface DirectStackOptions {
  /** A name for logs and `inspect()` (default: the device's name). */
  name?: string;
  /** Our address and prefix: `"10.0.0.2/24"` or `{ address, prefix }`. Required. */
  address: string | Ipv4Cidr;
  /** Default gateway (default none: only the local network is reachable). */
  gateway?: Ipv4Like | null;
  ethernet?: EthernetConfig;
  arp?: ArpConfig;
  /** IPv4 tunables other than address and gateway (TTL, reassembly limits...). */
  ipv4?: Omit<StackDirectConfig['ipv4'], 'address' | 'gateway'>;
  icmp?: IcmpConfig;
  udp?: UdpConfig;
  /** TCP: the defaults of every connection and the layer's limits (see @stack/tcp's `TcpLayerConfig`). */
  tcp?: TcpLayerConfig;
}

/** Turns user options into the typed config; throws ERR_INVALID_CONFIG saying what is wrong. */
export function toStackConfig(options: DirectStackOptions, deviceName: string): StackDirectConfig & { name: string; tcp?: TcpLayerConfig } {
  if (options === null || typeof options !== 'object') {
    throw new StackError('ERR_INVALID_CONFIG', 'stack options must be an object with at least `address` (e.g. "10.0.0.2/24")');
  }
  if (options.address === undefined) {
    throw new StackError('ERR_INVALID_CONFIG', 'stack options need `address`, our IPv4 address with prefix (e.g. "10.0.0.2/24")');
  }
  let address: Ipv4Cidr;
  try {
    address = typeof options.address === 'string' ? parseCidr(options.address) : { address: ipv4(options.address.address), prefix: options.address.prefix };
  } catch (err) {
    throw new StackError('ERR_INVALID_CONFIG', `address: ${(err as Error).message}`, { cause: err });
  }
  if (!Number.isInteger(address.prefix) || address.prefix < 0 || address.prefix > 32) {
    throw new StackError('ERR_INVALID_CONFIG', `address: prefix ${address.prefix} is out of range (0..32)`);
  }
  let gateway: Ipv4Address | null = null;
  if (options.gateway !== undefined && options.gateway !== null) {
    try {
      gateway = ipv4(options.gateway);
    } catch (err) {
      throw new StackError('ERR_INVALID_CONFIG', `gateway: ${(err as Error).message}`, { cause: err });
    }
  }
  return {
    name: options.name ?? deviceName,
    ...(options.ethernet ? { ethernet: options.ethernet } : {}),
    ...(options.arp ? { arp: options.arp } : {}),
    ipv4: { ...options.ipv4, address, gateway },
    ...(options.icmp ? { icmp: options.icmp } : {}),
    ...(options.udp ? { udp: options.udp } : {}),
    ...(options.tcp ? { tcp: options.tcp } : {}),
  };
}

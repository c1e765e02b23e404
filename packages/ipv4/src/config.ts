import { StackError, type Ipv4Address, type Ipv4Cidr, type Ipv4Config } from '@stack/interfaces';
import { IPV4_BROADCAST, isIpv4Multicast } from '@stack/wire';
import { IPV4_MAX_DATAGRAM, IPV4_MIN_MTU } from './wire/fields.js';

/** The IPv4 config with every default filled in (what `stack.config` shows). */
export interface ResolvedIpv4Config {
  readonly address: Ipv4Cidr;
  readonly gateway: Ipv4Address | null;
  readonly ttl: number;
  readonly reassemblyMaxDatagrams: number;
  readonly reassemblyMaxBytes: number;
  readonly reassemblyTimeout: number;
  readonly maxDatagramSize: number;
  readonly acceptBroadcast: boolean;
  readonly minPathMtu: number;
  readonly pathMtuTimeout: number;
  readonly pathMtuCacheSize: number;
  readonly loopbackQueue: number;
}

/**
 * Defaults of every optional `Ipv4Config` field (documented in
 * @stack/interfaces). Frozen: shared by every stack in the process.
 */
export const IPV4_DEFAULTS = Object.freeze({
  gateway: null,
  /** RFC 1700 / Linux `ip_default_ttl`. */
  ttl: 64,
  reassemblyMaxDatagrams: 64,
  reassemblyMaxBytes: 1 << 20,
  /** RFC 791 suggests 15 s; Linux uses 30 s (`ipfrag_time`). */
  reassemblyTimeout: 30_000,
  maxDatagramSize: IPV4_MAX_DATAGRAM,
  acceptBroadcast: true,
  /** RFC 1191 §3 / RFC 791: 68 is the floor; 552 is Linux's `min_pmtu`. */
  minPathMtu: 552,
  /** RFC 1191 §6.3: ten minutes. */
  pathMtuTimeout: 600_000,
  /** Destinations with a learned path MTU remembered at once; the oldest goes first. */
  pathMtuCacheSize: 1024,
  /** Datagrams to our own address waiting for the scheduler to deliver them. */
  loopbackQueue: 64,
} as const satisfies Omit<ResolvedIpv4Config, 'address'>);

/** Every field `Ipv4Config` has: anything else is a typo, refused. */
const KNOWN_KEYS: readonly string[] = Object.freeze(['address', ...Object.keys(IPV4_DEFAULTS)]);

function invalid(what: string, allowed: string): never {
  throw new StackError('ERR_INVALID_CONFIG', `ipv4.${what}; allowed: ${allowed}`);
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

function intIn(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(`${name} is ${String(v)}`, `an integer ${min}..${max}`);
  return v;
}

function positive(name: string, v: unknown, allowInfinity: boolean): number {
  if (typeof v !== 'number' || !(v > 0) || (!allowInfinity && !Number.isFinite(v))) {
    invalid(`${name} is ${String(v)}`, allowInfinity ? 'a number of ms > 0 (Infinity: never)' : 'a finite number of ms > 0');
  }
  return v;
}

/**
 * Fills in the defaults of `config` and validates every field, throwing
 * StackError('ERR_INVALID_CONFIG') that says what is wrong and what is
 * allowed. The gateway is taken as on-link even outside our network (as
 * with a /32 address and an on-link gateway).
 */
export function resolveIpv4Config(config: Ipv4Config): ResolvedIpv4Config {
  if (typeof config !== 'object' || config === null) invalid('config is missing', 'an object with at least { address }');
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.includes(key)) invalid(`${key} is not an option`, `the options ${KNOWN_KEYS.join(', ')}`);
  }
  const a = config.address as Partial<Ipv4Cidr> | undefined;
  if (typeof a !== 'object' || a === null) invalid('address is missing', '{ address: u32, prefix: 0..32 } (parseCidr("10.0.0.2/24"))');
  if (!isU32(a.address)) invalid(`address.address is ${String(a.address)}`, 'an IPv4 address as an integer 0..2^32-1');
  const prefix = intIn('address.prefix', a.prefix, 0, 32);
  if (isIpv4Multicast(a.address) || a.address === IPV4_BROADCAST) {
    invalid(`address.address is a multicast or broadcast address`, 'a unicast address');
  }
  const gateway = config.gateway ?? IPV4_DEFAULTS.gateway;
  if (gateway !== null && (!isU32(gateway) || gateway === 0 || gateway === IPV4_BROADCAST || isIpv4Multicast(gateway))) {
    invalid(`gateway is ${String(gateway)}`, 'null or a unicast IPv4 address as an integer');
  }
  const acceptBroadcast = config.acceptBroadcast ?? IPV4_DEFAULTS.acceptBroadcast;
  if (typeof acceptBroadcast !== 'boolean') invalid(`acceptBroadcast is ${String(acceptBroadcast)}`, 'true or false');
  const maxDatagramSize = intIn('maxDatagramSize', config.maxDatagramSize ?? IPV4_DEFAULTS.maxDatagramSize, 576, IPV4_MAX_DATAGRAM);
  return {
    address: { address: a.address, prefix },
    gateway,
    ttl: intIn('ttl', config.ttl ?? IPV4_DEFAULTS.ttl, 1, 255),
    reassemblyMaxDatagrams: intIn('reassemblyMaxDatagrams', config.reassemblyMaxDatagrams ?? IPV4_DEFAULTS.reassemblyMaxDatagrams, 1, 1_000_000),
    reassemblyMaxBytes: intIn('reassemblyMaxBytes', config.reassemblyMaxBytes ?? IPV4_DEFAULTS.reassemblyMaxBytes, 1, 2 ** 31),
    reassemblyTimeout: positive('reassemblyTimeout', config.reassemblyTimeout ?? IPV4_DEFAULTS.reassemblyTimeout, false),
    maxDatagramSize,
    acceptBroadcast,
    minPathMtu: intIn('minPathMtu', config.minPathMtu ?? IPV4_DEFAULTS.minPathMtu, IPV4_MIN_MTU, IPV4_MAX_DATAGRAM),
    pathMtuTimeout: positive('pathMtuTimeout', config.pathMtuTimeout ?? IPV4_DEFAULTS.pathMtuTimeout, true),
    pathMtuCacheSize: intIn('pathMtuCacheSize', config.pathMtuCacheSize ?? IPV4_DEFAULTS.pathMtuCacheSize, 1, 1_000_000),
    loopbackQueue: intIn('loopbackQueue', config.loopbackQueue ?? IPV4_DEFAULTS.loopbackQueue, 1, 1_000_000),
  };
}

import { StackError, type ArpConfig, type Ipv4Address, type MacAddress } from '@stack/interfaces';

/**
 * What `createArp` takes: the `ArpConfig` of @stack/interfaces, our address,
 * and two RFC 5227 timers the shared config does not name.
 */
export interface ArpOptions extends ArpConfig {
  /** Our IPv4 address: the one we answer requests for and send as sender. 0 = none yet. */
  address: Ipv4Address;
  /** RFC 5227 PROBE_WAIT: the first probe goes out after a random 0..probeWait ms (default 1_000). */
  probeWait?: number;
  /** RFC 5227 ANNOUNCE_WAIT: conflicts are still watched for this long after the last probe, ms (default 2_000). */
  announceWait?: number;
}

/** The ARP config with every field filled in (what `stack.config` shows). */
export interface ResolvedArpConfig {
  readonly address: Ipv4Address;
  readonly cacheSize: number;
  readonly reachableTime: number;
  readonly failureTime: number;
  readonly retries: number;
  readonly retryInterval: number;
  readonly queuePerAddress: number;
  readonly queueTotal: number;
  readonly requestsPerSecond: number;
  readonly probeCount: number;
  readonly announceCount: number;
  readonly probeMin: number;
  readonly probeMax: number;
  readonly announceInterval: number;
  readonly probeWait: number;
  readonly announceWait: number;
  readonly static: readonly { readonly ip: Ipv4Address; readonly mac: MacAddress }[];
}

/**
 * Defaults of the ARP config (everything but `address`). The RFC 5227 timers
 * are the RFC's: PROBE_WAIT 1 s, PROBE_NUM 3, PROBE_MIN 1 s, PROBE_MAX 2 s,
 * ANNOUNCE_WAIT 2 s, ANNOUNCE_NUM 2, ANNOUNCE_INTERVAL 2 s. Frozen, like
 * everything reachable from it: one stack cannot change another's defaults.
 */
export const ARP_DEFAULTS: Omit<ResolvedArpConfig, 'address'> = Object.freeze({
  cacheSize: 512,
  reachableTime: 60_000,
  failureTime: 3_000,
  retries: 3,
  retryInterval: 1_000,
  // Enough for every fragment of a 64 KB datagram at MTU 1500 (45), so a
  // large first datagram to a new neighbour is not cut; Linux holds ~208 KB.
  queuePerAddress: 64,
  queueTotal: 256,
  requestsPerSecond: 50,
  probeCount: 3,
  announceCount: 2,
  probeMin: 1_000,
  probeMax: 2_000,
  announceInterval: 2_000,
  probeWait: 1_000,
  announceWait: 2_000,
  static: Object.freeze([]) as readonly { ip: Ipv4Address; mac: MacAddress }[],
});

/** The options `ArpOptions` has; anything else is a typo and refused. */
const KNOWN: readonly string[] = Object.freeze(['address', ...Object.keys(ARP_DEFAULTS)]);

function bad(field: string, value: unknown, allowed: string): never {
  throw new StackError('ERR_INVALID_CONFIG', `arp.${field} is ${String(value)}; allowed: ${allowed}`);
}

function int(field: string, value: number, min: number): number {
  if (!(Number.isInteger(value) && value >= min)) bad(field, value, `an integer >= ${min}`);
  return value;
}

function ms(field: string, value: number, min: number): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value >= min)) bad(field, value, `a finite number of ms >= ${min}`);
  return value;
}

function positive(field: string, value: number): number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) bad(field, value, 'a finite number > 0');
  return value;
}

/**
 * Fills in defaults and validates an ARP config. Throws ERR_INVALID_CONFIG
 * naming the field, its value and what is allowed; an unknown field (a typo
 * such as `retrys`) is refused with the list of known ones. The result is
 * frozen (the engine reads it for as long as it runs).
 */
export function resolveArpConfig(config: ArpOptions): ResolvedArpConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new StackError('ERR_INVALID_CONFIG', `arp config must be an object with at least an address, got ${String(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (!KNOWN.includes(key)) throw new StackError('ERR_INVALID_CONFIG', `arp.${key} is not an option (known: ${KNOWN.join(', ')})`);
  }
  const d = ARP_DEFAULTS;
  const address = config.address;
  if (!(Number.isInteger(address) && address >= 0 && address <= 0xffff_ffff)) bad('address', address, 'an IPv4 address as an integer 0..2^32-1');
  const probeMin = ms('probeMin', config.probeMin ?? d.probeMin, 0);
  const probeMax = ms('probeMax', config.probeMax ?? d.probeMax, 0);
  if (probeMax < probeMin) bad('probeMax', probeMax, `a number of ms >= probeMin (${probeMin})`);
  const staticIn: unknown = config.static ?? d.static;
  if (!Array.isArray(staticIn)) bad('static', staticIn, 'an array of { ip, mac }');
  const statics = (staticIn as ArpOptions['static'] & object).map((e, i) => {
    if (!(Number.isInteger(e?.ip) && e.ip >= 0 && e.ip <= 0xffff_ffff)) bad(`static[${i}].ip`, e?.ip, 'an IPv4 address as an integer 0..2^32-1');
    if (!(Number.isInteger(e.mac) && e.mac >= 0 && e.mac <= 0xffff_ffff_ffff)) bad(`static[${i}].mac`, e.mac, 'a MAC address as an integer 0..2^48-1');
    return Object.freeze({ ip: e.ip, mac: e.mac });
  });
  return Object.freeze({
    address,
    cacheSize: int('cacheSize', config.cacheSize ?? d.cacheSize, 1),
    reachableTime: ms('reachableTime', config.reachableTime ?? d.reachableTime, 1),
    failureTime: ms('failureTime', config.failureTime ?? d.failureTime, 0),
    retries: int('retries', config.retries ?? d.retries, 1),
    retryInterval: ms('retryInterval', config.retryInterval ?? d.retryInterval, 1),
    queuePerAddress: int('queuePerAddress', config.queuePerAddress ?? d.queuePerAddress, 0),
    queueTotal: int('queueTotal', config.queueTotal ?? d.queueTotal, 0),
    requestsPerSecond: positive('requestsPerSecond', config.requestsPerSecond ?? d.requestsPerSecond),
    probeCount: int('probeCount', config.probeCount ?? d.probeCount, 1),
    announceCount: int('announceCount', config.announceCount ?? d.announceCount, 0),
    probeMin,
    probeMax,
    announceInterval: ms('announceInterval', config.announceInterval ?? d.announceInterval, 0),
    probeWait: ms('probeWait', config.probeWait ?? d.probeWait, 0),
    announceWait: ms('announceWait', config.announceWait ?? d.announceWait, 0),
    static: Object.freeze(statics),
  });
}

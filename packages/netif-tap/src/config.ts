import { StackError, type MacAddress, type Random } from '@stack/interfaces';
import { mac as toMac } from '@stack/wire';

/** Options of `openTap`. Only `name` is required. */
export interface TapOptions {
  /** Interface name, 1..15 bytes without '/', ':' or whitespace (e.g. 'tap0'). Created if missing, attached to if it exists. */
  name: string;
  /** Largest Ethernet payload, 68..65535 (default 1500). Set the kernel side's MTU to match (`ip link set tap0 mtu N`). */
  mtu?: number;
  /** Frames carry a 12-byte virtio_net_hdr_v1 (default true); needed for any offload. */
  vnetHdr?: boolean;
  /**
   * Checksum offload and TCP segmentation both ways (TUN_F_CSUM | TSO4 | TSO6).
   * 'auto' (default): use what the kernel accepts; true: require CSUM and
   * TSO4 (ERR_UNSUPPORTED otherwise); false: none.
   */
  offloads?: boolean | 'auto';
  /** Network namespace for the device: a name under /run/netns or a path (default: this process's). */
  netns?: string;
  /** Our MAC address, a number or '02:..' text (default: random, locally administered, unicast). */
  mac?: MacAddress | string;
  /** Where a random MAC comes from (default: crypto.getRandomValues). */
  random?: Random;
  /** Frames read per wake-up, 1..1024 (default 64): the receive slab holds this many. */
  batchFrames?: number;
  /** Frames queued for the next write batch, 1..65536 (default 1024); past it frames are dropped (`dropped.queueFull`). */
  txQueueFrames?: number;
  /** Bytes queued for the next write batch, headers included (default 4 MiB); at least one largest frame. */
  txQueueBytes?: number;
  /** Open with IFF_MULTI_QUEUE (default false), to share the device with other queues. */
  multiQueue?: boolean;
  /**
   * Send a run of UDP datagrams of one flow queued in one tick as one USO
   * frame that the kernel cuts back into the same datagrams (default true;
   * used when checksum offload was negotiated and the kernel takes USO,
   * Linux ≥ 6.2). Saves the kernel's receive path per datagram.
   */
  coalesceUdp?: boolean;
}

/** The resolved options of a TAP device. */
export interface TapConfig {
  readonly name: string;
  readonly mtu: number;
  readonly vnetHdr: boolean;
  readonly offloads: boolean | 'auto';
  readonly netns: string | undefined;
  readonly mac: MacAddress;
  readonly batchFrames: number;
  readonly txQueueFrames: number;
  readonly txQueueBytes: number;
  readonly multiQueue: boolean;
  readonly coalesceUdp: boolean;
}

/** Defaults of `TapOptions`. */
export const TAP_DEFAULTS = Object.freeze({
  mtu: 1500,
  vnetHdr: true,
  offloads: 'auto' as const,
  batchFrames: 64,
  txQueueFrames: 1024,
  txQueueBytes: 4 * 1024 * 1024,
  multiQueue: false,
  coalesceUdp: true,
});

/** Largest frame a TAP hands over or takes with TSO: virtio header + Ethernet + VLAN tag + a 65535-byte IP packet. */
export const MAX_GSO_FRAME = 12 + 18 + 65_535;

const KEYS = ['name', 'mtu', 'vnetHdr', 'offloads', 'netns', 'mac', 'random', 'batchFrames', 'txQueueFrames', 'txQueueBytes', 'multiQueue', 'coalesceUdp'];
const WHERE = 'openTap';

function invalid(what: string, allowed: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' && value !== null ? 'an object' : String(value);
  throw new StackError('ERR_INVALID_CONFIG', `${WHERE}: ${what} must be ${allowed}, got ${shown}`);
}

function int(what: string, value: unknown, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) invalid(what, `an integer in ${min}..${max}`, value);
  return value;
}

function bool(what: string, value: unknown, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean') invalid(what, 'true or false', value);
  return value;
}

/** A random locally administered unicast MAC (IEEE 802 U/L bit set, I/G bit clear). */
export function randomMac(random?: Random): MacAddress {
  const b = new Uint8Array(6);
  if (random !== undefined) random.fill(b);
  else globalThis.crypto.getRandomValues(b);
  b[0] = (b[0]! & 0xfc) | 0x02;
  let n = 0;
  for (const x of b) n = n * 256 + x;
  return n;
}

/**
 * Fills in defaults and validates; throws StackError('ERR_INVALID_CONFIG')
 * naming the option, what it got and what is allowed.
 */
export function resolveTapOptions(options: TapOptions): TapConfig {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object { name, mtu?, vnetHdr?, offloads?, netns?, mac?, ... }', options);
  for (const key of Object.keys(options)) if (!KEYS.includes(key)) invalid(`option "${key}"`, `one of ${KEYS.join(', ')}`, key);
  const { name } = options;
  if (typeof name !== 'string' || Buffer.byteLength(name) < 1 || Buffer.byteLength(name) > 15 || /[\s/:]/.test(name) || name === '.' || name === '..') {
    invalid('name', "an interface name of 1..15 bytes without '/', ':' or whitespace (e.g. \"tap0\")", name);
  }
  const mtu = int('mtu', options.mtu, TAP_DEFAULTS.mtu, 68, 65_535);
  const vnetHdr = bool('vnetHdr', options.vnetHdr, TAP_DEFAULTS.vnetHdr);
  const offloads = options.offloads ?? TAP_DEFAULTS.offloads;
  if (offloads !== true && offloads !== false && offloads !== 'auto') invalid('offloads', "true, false or 'auto'", offloads);
  if (offloads === true && !vnetHdr) invalid('offloads', "false or 'auto' when vnetHdr is false (offloads need the virtio-net header)", offloads);
  const netns = options.netns;
  if (netns !== undefined && (typeof netns !== 'string' || netns === '' || netns.includes('\0'))) {
    invalid('netns', 'a namespace name (under /run/netns) or a path like /run/netns/NAME', netns);
  }
  const random = options.random;
  if (random !== undefined && (typeof random !== 'object' || random === null || typeof random.fill !== 'function')) {
    invalid('random', 'a Random (from @stack/sim or @stack/platform-node)', random);
  }
  let mac: MacAddress;
  if (options.mac === undefined) {
    mac = randomMac(random);
  } else {
    try {
      mac = toMac(options.mac);
    } catch {
      invalid('mac', 'a MAC address: an integer 0..2^48-1 or text like "02:00:00:00:00:01"', options.mac);
    }
    if ((Math.floor(mac / 0x100_0000_0000) & 1) === 1) invalid('mac', 'a unicast MAC (first byte even)', options.mac);
  }
  const batchFrames = int('batchFrames', options.batchFrames, TAP_DEFAULTS.batchFrames, 1, 1024);
  const txQueueFrames = int('txQueueFrames', options.txQueueFrames, TAP_DEFAULTS.txQueueFrames, 1, 65_536);
  const txQueueBytes = int('txQueueBytes', options.txQueueBytes, TAP_DEFAULTS.txQueueBytes, MAX_GSO_FRAME, 256 * 1024 * 1024);
  const multiQueue = bool('multiQueue', options.multiQueue, TAP_DEFAULTS.multiQueue);
  const coalesceUdp = bool('coalesceUdp', options.coalesceUdp, TAP_DEFAULTS.coalesceUdp);
  return Object.freeze({ name, mtu, vnetHdr, offloads, netns, mac, batchFrames, txQueueFrames, txQueueBytes, multiQueue, coalesceUdp });
}

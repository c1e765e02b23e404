import type {
  DeviceCapabilities, DeviceStats, FrameHandler, MacAddress, NetDevice, RxMeta, Scheduler, TxMeta,
} from '@stack/interfaces';
import { StackError } from '@stack/interfaces';
import { checksum, writeU16 } from '@stack/wire';
import { LINK_DEFAULTS, checkKeys, invalid, intOption, macOption, numberOption } from '../config.js';
import { Eth, frameFits, macFromName } from '../ethernet.js';
import { Channel } from './channel.js';

/** What a memory link may claim to do beyond a plain device. */
export interface CapabilityOverrides {
  /** Tell receivers their frames' checksums were verified (default false). Pointless with corrupting faults. */
  rxChecksumVerified?: boolean;
  /** Fill in L4 checksums on transmit when `TxMeta.checksumStart/Offset` ask (default false). */
  txChecksumOffload?: boolean;
}

/** Properties of one link (both directions alike). */
export interface LinkProperties {
  /** Largest Ethernet payload, bytes (default 1500). Longer frames are dropped and counted. */
  mtu?: number;
  /** One-way delay, ms (default 0.01). */
  latency?: number;
  /** Bits per second (default Infinity: no serialization delay). Frames serialize FIFO per direction. */
  bandwidth?: number;
  /**
   * Bytes per direction not yet serialized, the frame on the wire included,
   * beyond which frames are dropped (default 1 MiB); only with a bandwidth.
   */
  queueLimit?: number;
  capabilities?: CapabilityOverrides;
}

/** Options of `memoryLink`. */
export interface MemoryLinkOptions extends LinkProperties {
  /** Virtual or real time; deliveries are scheduled on it. */
  scheduler: Scheduler;
  /** Device names (default ['link.a', 'link.b']). */
  names?: readonly [string, string];
  /** MAC addresses (default derived from the names, see `macFromName`). */
  macs?: readonly [MacAddress, MacAddress];
}

/** Why a link device dropped frames. */
export interface LinkDropCounters {
  /** Transmit: larger than mtu + 14 (+ 4 when VLAN tagged). */
  oversize: number;
  /** Transmit: shorter than an Ethernet header. */
  runt: number;
  /** Transmit: the serialization queue was full. */
  queueFull: number;
  /** Transmit: this end or its peer was closed. */
  linkDown: number;
  /** Receive: no handler was set. */
  noHandler: number;
}

/** Counters of a link device: the DeviceStats plus drops by reason. */
export interface LinkStats extends DeviceStats {
  readonly dropped: LinkDropCounters;
}

/** One end of a memory link. */
export interface LinkDevice extends NetDevice {
  readonly stats: LinkStats;
  /** False once either end was closed. */
  readonly up: boolean;
  /** Frames sent from this end and not yet delivered. */
  readonly inFlight: number;
}

const WHERE = 'memoryLink';
const PROPERTY_KEYS = ['mtu', 'latency', 'bandwidth', 'queueLimit', 'capabilities'] as const;

interface ResolvedProperties {
  mtu: number;
  latency: number;
  bandwidth: number;
  queueLimit: number;
  capabilities: DeviceCapabilities;
}

/** Validates link properties (shared with hub and bridge ports). */
export function resolveLinkProperties(where: string, p: LinkProperties, defaults: LinkProperties = {}): ResolvedProperties {
  const mtu = intOption(where, 'mtu', p.mtu ?? defaults.mtu, LINK_DEFAULTS.mtu, 68, 65_535);
  const latency = numberOption(where, 'latency (ms)', p.latency ?? defaults.latency, LINK_DEFAULTS.latency, 0);
  const bandwidth = numberOption(where, 'bandwidth (bit/s)', p.bandwidth ?? defaults.bandwidth, LINK_DEFAULTS.bandwidth, 1, { infinite: true });
  const queueLimit = numberOption(where, 'queueLimit (bytes)', p.queueLimit ?? defaults.queueLimit, LINK_DEFAULTS.queueLimit, 0);
  const caps = p.capabilities ?? defaults.capabilities ?? {};
  checkKeys(`${where}: capabilities`, caps, ['rxChecksumVerified', 'txChecksumOffload']);
  for (const key of ['rxChecksumVerified', 'txChecksumOffload'] as const) {
    if (caps[key] !== undefined && typeof caps[key] !== 'boolean') invalid(where, `capabilities.${key}`, 'a boolean', caps[key]);
  }
  return {
    mtu,
    latency,
    bandwidth,
    queueLimit,
    capabilities: Object.freeze({
      mtu,
      rxChecksumVerified: caps.rxChecksumVerified ?? false,
      txChecksumOffload: caps.txChecksumOffload ?? false,
      gsoMaxSize: 0,
      gro: false,
    }),
  };
}

/** A link between two devices; internal to the package (hub and bridge hook `onDown`). */
export class Link {
  readonly ends: readonly [LinkEnd, LinkEnd];
  up = true;
  private readonly channels: readonly [Channel, Channel];
  private readonly downHooks: (() => void)[] = [];

  constructor(scheduler: Scheduler, names: readonly [string, string], macs: readonly [MacAddress, MacAddress], props: ResolvedProperties) {
    const a = new LinkEnd(this, names[0], macs[0], props.capabilities);
    const b = new LinkEnd(this, names[1], macs[1], props.capabilities);
    const ab = new Channel(scheduler, props.latency, props.bandwidth, props.queueLimit, (f) => b.deliver(f));
    const ba = new Channel(scheduler, props.latency, props.bandwidth, props.queueLimit, (f) => a.deliver(f));
    a.channel = ab;
    b.channel = ba;
    this.ends = [a, b];
    this.channels = [ab, ba];
  }

  /** Runs `fn` once when the link goes down. */
  onDown(fn: () => void): void {
    this.downHooks.push(fn);
  }

  /** Unplugs the cable: frames in flight are lost, timers cancelled. Idempotent. */
  down(): void {
    if (!this.up) return;
    this.up = false;
    for (const c of this.channels) c.clear();
    for (const fn of this.downHooks.splice(0)) fn();
  }
}

/** One end of a `Link`: a NetDevice. */
export class LinkEnd implements LinkDevice {
  readonly stats: LinkStats = {
    rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0,
    dropped: { oversize: 0, runt: 0, queueFull: 0, linkDown: 0, noHandler: 0 },
  };
  /** The direction this end sends on; set by Link. */
  channel!: Channel;
  private handler: FrameHandler | null = null;
  private readonly rxMeta: RxMeta;

  constructor(
    private readonly link: Link,
    readonly name: string,
    readonly mac: MacAddress,
    readonly capabilities: DeviceCapabilities,
  ) {
    this.rxMeta = { checksumVerified: capabilities.rxChecksumVerified, checksumPartial: false };
  }

  get mtu(): number {
    return this.capabilities.mtu;
  }

  get up(): boolean {
    return this.link.up;
  }

  get inFlight(): number {
    return this.channel.inFlight;
  }

  transmit(frame: Uint8Array, meta?: TxMeta): boolean {
    const s = this.stats;
    if (!this.link.up) return this.drop('linkDown');
    if (frame.length < Eth.HEADER) return this.drop('runt');
    if (!frameFits(frame, this.capabilities.mtu)) return this.drop('oversize');
    const copy = frame.slice(); // the one copy: the caller may reuse its buffer at once
    if (meta?.checksumStart !== undefined && this.capabilities.txChecksumOffload) fillChecksum(copy, meta);
    if (!this.channel.send(copy)) return this.drop('queueFull');
    s.txFrames++;
    s.txBytes += frame.length;
    return true;
  }

  onReceive(handler: FrameHandler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    this.link.down();
    return Promise.resolve();
  }

  /** Called by the peer's channel when a frame arrives. */
  deliver(frame: Uint8Array): void {
    const s = this.stats;
    if (this.handler === null) {
      s.rxDropped++;
      s.dropped.noHandler++;
      return;
    }
    s.rxFrames++;
    s.rxBytes += frame.length;
    this.handler(frame, this.rxMeta);
  }

  private drop(reason: 'linkDown' | 'runt' | 'oversize' | 'queueFull'): false {
    this.stats.txDropped++;
    this.stats.dropped[reason]++;
    return false;
  }
}

/**
 * Checksum offload as virtio does it (NEEDS_CSUM): the field at
 * `checksumStart + checksumOffset` holds the pseudo-header sum; the checksum
 * of everything from `checksumStart` to the end replaces it (RFC 1071).
 */
function fillChecksum(frame: Uint8Array, meta: TxMeta): void {
  const start = meta.checksumStart!;
  const field = start + (meta.checksumOffset ?? 0);
  if (!(start >= Eth.HEADER && field + 2 <= frame.length)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `transmit: checksumStart ${start} + checksumOffset ${meta.checksumOffset} is outside the ${frame.length}-byte frame`);
  }
  const c = checksum(frame, start, frame.length);
  writeU16(frame, field, c === 0 ? 0xffff : c); // 0 and 0xffff are the same in ones' complement; UDP needs the latter
}

/**
 * Two devices connected back to back (a virtual cable). `transmit` copies the
 * frame once and schedules its delivery on the scheduler after
 * `latency` (+ `size * 8 / bandwidth` of FIFO serialization); it never delivers
 * inside `transmit`. Closing either end takes the link down: frames in flight
 * are lost and no timer is left behind.
 */
export function memoryLink(options: MemoryLinkOptions): [LinkDevice, LinkDevice] {
  const link = createLink(WHERE, options);
  return [link.ends[0], link.ends[1]];
}

/** `memoryLink`, returning the Link itself (for hub and bridge). */
export function createLink(where: string, options: MemoryLinkOptions): Link {
  if (typeof options !== 'object' || options === null || typeof options.scheduler?.at !== 'function') {
    invalid(where, 'scheduler', 'a Scheduler', options?.scheduler);
  }
  checkKeys(where, options, ['scheduler', 'names', 'macs', ...PROPERTY_KEYS]);
  const names = options.names ?? ['link.a', 'link.b'];
  if (!Array.isArray(names) || names.length !== 2 || !names.every((n) => typeof n === 'string')) invalid(where, 'names', 'two strings', names);
  const macs = options.macs ?? [macFromName(names[0]), macFromName(names[1])];
  if (!Array.isArray(macs) || macs.length !== 2) invalid(where, 'macs', 'two MAC addresses', macs);
  const props = resolveLinkProperties(where, options);
  return new Link(options.scheduler, names, [macOption(where, 'macs[0]', macs[0], 0), macOption(where, 'macs[1]', macs[1], 0)], props);
}

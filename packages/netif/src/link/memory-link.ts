import type {
  DeviceCapabilities, DeviceStats, FrameHandler, MacAddress, NetDevice, RxMeta, Scheduler, TxMeta,
} from '@stack/interfaces';
import { LINK_DEFAULTS, checkKeys, invalid, intOption, macOption, numberOption } from '../config.js';
import { Eth, frameFits, macFromName } from '../ethernet.js';
import { Channel } from './channel.js';
import { TcpCoalescer, type GroStats } from './gro.js';
import { checkChecksumMeta, completeChecksum, segmentGso } from './software-offload.js';
import { FrameSlab } from './slab.js';

/**
 * What one end of a memory link may claim to do beyond a plain device (its
 * `DeviceCapabilities`, like a veth or a virtio-net TAP with offloads).
 * Default: nothing.
 *
 * What crosses the link depends on both ends, as on a veth pair: a frame
 * sent with offload requests (`TxMeta`) reaches a `gro` end as it was sent
 * (a GSO frame whole, up to 64 KiB; a partial checksum left partial and
 * flagged `RxMeta.checksumPartial`); to any other end the link does the work
 * in software first (`segmentGso`, `completeChecksum`), so a stack with
 * offloads talks to one without.
 */
export interface CapabilityOverrides {
  /** Tell receivers their frames' checksums were verified (default false). Pointless with corrupting faults. */
  rxChecksumVerified?: boolean;
  /** Honour `TxMeta.checksumStart/Offset`: complete partial L4 checksums (default false). */
  txChecksumOffload?: boolean;
  /**
   * Accept GSO frames (`TxMeta.gsoSize`) whose IP packet is up to this many
   * bytes, 0..65535 (default 0: no GSO). Software segmentation cuts IPv4 TCP
   * frames only.
   */
  gsoMaxSize?: number;
  /**
   * Take frames whole, as the peer sent them: GSO frames larger than the MTU
   * (a coalesced segment) and partial checksums (default false). Like a
   * virtio-net guest with GUEST_TSO4 and GUEST_CSUM.
   */
  gro?: boolean;
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
  /**
   * What the devices offload: one set for both ends, or a pair, one per end
   * (`[a, b]`; for a hub or bridge port, `[host side, switch side]`, and the
   * switch side cannot take GSO or GRO: a switch forwards wire-size frames).
   * A single set on a port gives the switch side its checksum flags only.
   */
  capabilities?: CapabilityOverrides | readonly [CapabilityOverrides, CapabilityOverrides];
  /**
   * What is between the ends (default 'veth'). 'veth': offloaded frames
   * reach a `gro` end whole and a partial checksum reaches an
   * `rxChecksumVerified` end partial, as over a veth pair or Linux's
   * loopback: no wire-size frames exist. 'cable': two NICs and a cable; the
   * wire carries only frames of at most the MTU with complete checksums:
   * the sending end cuts GSO frames and completes checksums itself (TSO and
   * checksum offload in the NIC, or Linux's software GSO), and a `gro` end
   * coalesces the TCP segments of one flow that arrive together back into
   * segments of up to 64 KiB (Linux's software GRO), verifying every
   * segment's checksum unless it has `rxChecksumVerified`.
   */
  wire?: 'veth' | 'cable';
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
  /**
   * Transmit: a GSO frame the link had to cut in software that is not
   * Ethernet + IPv4 + TCP (or is malformed): what Linux's skb_gso_segment
   * refuses.
   */
  offload: number;
}

/** Counters of a link device: the DeviceStats plus drops by reason. */
export interface LinkStats extends DeviceStats {
  readonly dropped: LinkDropCounters;
  /** Software GRO on receive (a `gro` end of a `wire: 'cable'` link; zeros otherwise). */
  readonly gro: GroStats;
}

/** One end of a memory link. */
export interface LinkDevice extends NetDevice {
  readonly stats: LinkStats;
  /** False once either end was closed. */
  readonly up: boolean;
  /** Frames sent from this end and not yet delivered. */
  readonly inFlight: number;
  /** Memory for the next frame from this end's ring (`NetDevice.txBuffer`): transmitted, it is queued without a copy. */
  txBuffer(length: number): Uint8Array;
}

const WHERE = 'memoryLink';
const PROPERTY_KEYS = ['mtu', 'latency', 'bandwidth', 'queueLimit', 'capabilities', 'wire'] as const;

interface ResolvedProperties {
  mtu: number;
  latency: number;
  bandwidth: number;
  queueLimit: number;
  wire: 'veth' | 'cable';
  /** Of end a, then end b. */
  capabilities: readonly [DeviceCapabilities, DeviceCapabilities];
}

const CAPABILITY_KEYS = ['rxChecksumVerified', 'txChecksumOffload', 'gsoMaxSize', 'gro'] as const;

/** True for the `[a, b]` form of `LinkProperties.capabilities`. */
export function isCapabilityPair(caps: LinkProperties['capabilities']): caps is readonly [CapabilityOverrides, CapabilityOverrides] {
  return Array.isArray(caps);
}

function resolveCapabilities(where: string, what: string, caps: unknown, mtu: number): DeviceCapabilities {
  if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) invalid(where, what, 'an object', caps);
  const c = caps as CapabilityOverrides;
  checkKeys(`${where}: ${what}`, c, CAPABILITY_KEYS);
  for (const key of ['rxChecksumVerified', 'txChecksumOffload', 'gro'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'boolean') invalid(where, `${what}.${key}`, 'a boolean', c[key]);
  }
  return Object.freeze({
    mtu,
    rxChecksumVerified: c.rxChecksumVerified ?? false,
    txChecksumOffload: c.txChecksumOffload ?? false,
    gsoMaxSize: intOption(where, `${what}.gsoMaxSize`, c.gsoMaxSize, 0, 0, 65_535),
    gro: c.gro ?? false,
  });
}

/** Validates link properties (shared with hub and bridge ports). */
export function resolveLinkProperties(where: string, p: LinkProperties, defaults: LinkProperties = {}): ResolvedProperties {
  const mtu = intOption(where, 'mtu', p.mtu ?? defaults.mtu, LINK_DEFAULTS.mtu, 68, 65_535);
  const latency = numberOption(where, 'latency (ms)', p.latency ?? defaults.latency, LINK_DEFAULTS.latency, 0);
  const bandwidth = numberOption(where, 'bandwidth (bit/s)', p.bandwidth ?? defaults.bandwidth, LINK_DEFAULTS.bandwidth, 1, { infinite: true });
  const queueLimit = numberOption(where, 'queueLimit (bytes)', p.queueLimit ?? defaults.queueLimit, LINK_DEFAULTS.queueLimit, 0);
  const caps = p.capabilities ?? defaults.capabilities ?? {};
  let pair: readonly [DeviceCapabilities, DeviceCapabilities];
  if (isCapabilityPair(caps)) {
    if (caps.length !== 2) invalid(where, 'capabilities', 'one object, or a pair [a, b] of objects', caps);
    pair = [resolveCapabilities(where, 'capabilities[0]', caps[0], mtu), resolveCapabilities(where, 'capabilities[1]', caps[1], mtu)];
  } else {
    const one = resolveCapabilities(where, 'capabilities', caps, mtu);
    pair = [one, one];
  }
  const wire = p.wire ?? defaults.wire ?? 'veth';
  if (wire !== 'veth' && wire !== 'cable') invalid(where, 'wire', "'veth' or 'cable'", wire);
  return { mtu, latency, bandwidth, queueLimit, wire, capabilities: pair };
}

/** A link between two devices; internal to the package (hub and bridge hook `onDown`). */
export class Link {
  readonly ends: readonly [LinkEnd, LinkEnd];
  up = true;
  private readonly channels: readonly [Channel, Channel];
  private readonly downHooks: (() => void)[] = [];

  constructor(scheduler: Scheduler, names: readonly [string, string], macs: readonly [MacAddress, MacAddress], props: ResolvedProperties) {
    const a = new LinkEnd(this, names[0], macs[0], props.capabilities[0]);
    const b = new LinkEnd(this, names[1], macs[1], props.capabilities[1]);
    const cable = props.wire === 'cable';
    if (cable) {
      a.coalesceReceived();
      b.coalesceReceived();
    }
    // Each direction's frames live in its sender's slab, given back once the receiver's batch is over.
    const ab = new Channel(scheduler, props.latency, props.bandwidth, props.queueLimit, (f, partial) => b.deliver(f, partial), b.batchEnd, a.released);
    const ba = new Channel(scheduler, props.latency, props.bandwidth, props.queueLimit, (f, partial) => a.deliver(f, partial), a.batchEnd, b.released);
    a.channel = ab;
    b.channel = ba;
    // Over a cable each end resolves its own offloads: the peer never sees a GSO frame or a partial checksum.
    a.peerGro = !cable && b.capabilities.gro;
    b.peerGro = !cable && a.capabilities.gro;
    a.peerTrusts = !cable && b.capabilities.rxChecksumVerified;
    b.peerTrusts = !cable && a.capabilities.rxChecksumVerified;
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
    dropped: { oversize: 0, runt: 0, queueFull: 0, linkDown: 0, noHandler: 0, offload: 0 },
    gro: { merged: 0, packets: 0 },
  };
  /** The direction this end sends on; set by Link. */
  channel!: Channel;
  /** The other end takes frames whole (GSO frames, partial checksums); set by Link. */
  peerGro = false;
  /**
   * @internal The peer says received checksums need no verifying (as Linux's
   * loopback): a frame whose checksum was left to the device goes to it
   * partial, as the kernel hands CHECKSUM_PARTIAL across loopback, instead
   * of being completed here.
   */
  peerTrusts = false;
  private handler: FrameHandler | null = null;
  private readonly rxMeta: RxMeta;
  private readonly slab = new FrameSlab();
  private readonly alloc = (n: number): Uint8Array => this.slab.alloc(n);
  /** The view `txBuffer` handed out last, until it is transmitted. */
  private pending: Uint8Array | null = null;
  /** @internal Given to the channel this end sends on: frames up to this one were handed up and may be reused. */
  readonly released = (last: Uint8Array): void => this.slab.release(last);
  private readonly rxMetaPartial: RxMeta;
  /** Software GRO of what arrives (a `gro` end over a cable), or null. */
  private coalescer: TcpCoalescer | null = null;
  /** @internal Given to the channel that delivers to this end: the end of a receive batch. */
  readonly batchEnd = (): void => {
    if (this.coalescer === null) return;
    if (this.link.up) this.coalescer.flush();
    else this.coalescer.clear(); // a handler took the link down mid-batch: nothing more goes up
  };

  constructor(
    private readonly link: Link,
    readonly name: string,
    readonly mac: MacAddress,
    readonly capabilities: DeviceCapabilities,
  ) {
    this.rxMeta = { checksumVerified: capabilities.rxChecksumVerified, checksumPartial: false };
    this.rxMetaPartial = { checksumVerified: capabilities.rxChecksumVerified, checksumPartial: true };
  }

  get mtu(): number {
    return this.capabilities.mtu;
  }

  /** @internal Set by Link for a cable: a `gro` end coalesces received TCP segments in software. */
  coalesceReceived(): void {
    if (!this.capabilities.gro) return;
    // A handler may take the link down while the coalescer hands up what it held: nothing more goes up then.
    this.coalescer = new TcpCoalescer((frame, meta) => {
      if (this.link.up) this.handler?.(frame, meta);
    }, this.stats.gro);
  }

  get up(): boolean {
    return this.link.up;
  }

  get inFlight(): number {
    return this.channel.inFlight;
  }

  /**
   * Sends a frame. Offload requests in `meta` count only for what this end
   * advertises (`gsoSize` with `gsoMaxSize`, `checksumStart` with
   * `txChecksumOffload`); others are ignored. A frame with requests goes
   * whole to a `gro` peer, partial checksum and all (a partial checksum also
   * goes as is to a peer with `rxChecksumVerified`, as over loopback); for any other peer it is
   * cut into segments / has its checksum completed here, and the stats count
   * the frames the wire carried.
   */
  transmit(frame: Uint8Array, meta?: TxMeta): boolean {
    // Our own memory from `txBuffer`: queued as it is (once: a second transmit of it copies).
    const owned = frame === this.pending;
    this.pending = null;
    if (!this.link.up) return this.drop('linkDown');
    if (frame.length < Eth.HEADER) return this.drop('runt');
    const caps = this.capabilities;
    const gsoSize = meta?.gsoSize ?? 0;
    const gso = gsoSize > 0 && caps.gsoMaxSize > 0;
    const csum = meta?.checksumStart !== undefined && caps.txChecksumOffload;
    if (csum) checkChecksumMeta(frame, meta!, `${this.name}.transmit`);
    if (!frameFits(frame, gso ? Math.max(caps.mtu, caps.gsoMaxSize) : caps.mtu)) return this.drop('oversize');
    if ((!gso && !csum) || this.peerGro || (!gso && this.peerTrusts)) {
      // the one copy (none for our own memory): the caller may reuse its buffer at once
      return this.send(owned ? frame : this.slab.copy(frame), csum) ? this.sent(1, frame.length) : this.drop('queueFull');
    }
    if (!gso) {
      // Always on a copy, even of lent memory: decorators above record the frame as the stack wrote it.
      const copy = this.slab.copy(frame);
      completeChecksum(copy, meta!.checksumStart!, meta!.checksumOffset ?? 0);
      return this.send(copy, false) ? this.sent(1, frame.length) : this.drop('queueFull');
    }
    const r = segmentGso(frame, gsoSize, this.alloc);
    if (!r.ok) return this.drop('offload');
    const segments = r.value;
    if (!frameFits(segments[0]!, caps.mtu)) return this.drop('oversize'); // gsoSize too large for the MTU
    let frames = 0;
    let bytes = 0;
    for (const seg of segments) {
      if (this.send(seg, false)) {
        frames++;
        bytes += seg.length;
      } else {
        this.drop('queueFull');
      }
    }
    return frames > 0 && this.sent(frames, bytes);
  }

  /** Frame memory from this end's ring: a frame written here and transmitted is queued without a copy. */
  txBuffer(length: number): Uint8Array {
    const view = this.slab.alloc(length);
    this.pending = view;
    return view;
  }

  onReceive(handler: FrameHandler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    this.link.down();
    return Promise.resolve();
  }

  /** Called by the peer's channel when a frame arrives; `partial`: its L4 checksum was left for us. */
  deliver(frame: Uint8Array, partial = false): void {
    const s = this.stats;
    if (this.handler === null) {
      s.rxDropped++;
      s.dropped.noHandler++;
      return;
    }
    s.rxFrames++;
    s.rxBytes += frame.length;
    const meta = partial ? this.rxMetaPartial : this.rxMeta;
    if (this.coalescer !== null) this.coalescer.push(frame, meta);
    else this.handler(frame, meta);
  }

  private send(frame: Uint8Array, partial: boolean): boolean {
    return this.channel.send(frame, partial);
  }

  private sent(frames: number, bytes: number): true {
    this.stats.txFrames += frames;
    this.stats.txBytes += bytes;
    return true;
  }

  private drop(reason: 'linkDown' | 'runt' | 'oversize' | 'queueFull' | 'offload'): false {
    this.stats.txDropped++;
    this.stats.dropped[reason]++;
    return false;
  }
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

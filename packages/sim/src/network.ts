import { StackError, type MacAddress, type NetDevice } from '@stack/interfaces';
import {
  createBridge, createHub, memoryLink, withFaults, type Bridge, type BridgeStats, type DeviceDecorator, type FaultSpec,
  type FaultStats, type FaultyDevice, type Hub, type HubStats, type LinkProperties, type PacketRecorder, type Segment,
} from '@stack/netif';
import { formatMac } from '@stack/wire';
import { deriveMac, deriveRandom } from './derive.js';
import type { SeededRandom } from './random.js';
import { SimScheduler, type RunOptions } from './scheduler.js';
import { SimPort } from './port.js';

/** Options of a `SimNetwork`. */
export interface SimNetworkOptions {
  /** The seed every random stream of the simulation derives from (default 1). Print it when a test fails. */
  seed?: number;
  /** Virtual time at the start, ms (default 0). */
  start?: number;
  /** Link properties (mtu, latency, bandwidth, queueLimit, capabilities) for every attach and link unless overridden. */
  defaults?: LinkProperties;
}

/** Options of `attach`: the link from the host to the segment, and faults on the host's side. */
export interface AttachOptions extends LinkProperties {
  /** Interface name (default `${host}.eth${n}`, n counting the host's interfaces from 0). */
  name?: string;
  /** MAC address (default derived from the interface name, unique in the network). */
  mac?: MacAddress;
  /**
   * Faults between the host and the wire, drawn from the interface's own
   * random stream. Both directions by default (`direction` narrows it).
   */
  faults?: FaultSpec;
}

/** Options of `link`: a point-to-point cable between two hosts. */
export interface LinkOptions extends LinkProperties {
  /** Interface names (default the next `${host}.eth${n}` of each host). */
  names?: readonly [string, string];
  macs?: readonly [MacAddress, MacAddress];
  /**
   * Faults on the cable. Applied at the first end, where direction 'both'
   * (the default) covers each direction once: 'tx' is a → b only, 'rx' b → a only.
   */
  faults?: FaultSpec;
}

/** Options of `bridge`. */
export interface SimBridgeOptions {
  /** MAC aging, ms (default 300_000). */
  agingTime?: number;
  maxEntries?: number;
  /** Link properties of this bridge's ports (over the network's defaults). */
  defaults?: LinkProperties;
}

/** Options of `hub`. */
export interface SimHubOptions {
  defaults?: LinkProperties;
}

/** Where `capture` sends frames: one recorder for all, or a writer with one interface per device (a PcapngWriter). */
export type CaptureTarget = PacketRecorder & { interface?(name: string): PacketRecorder };

/** One interface as `inspect()` shows it. */
export interface SimInterfaceInfo {
  readonly name: string;
  readonly host: string;
  readonly mac: string;
  readonly mtu: number;
  /** A segment's name, or `link:<peer interface>`. */
  readonly attachedTo: string;
  readonly stats: Record<string, number>;
  readonly faultStats?: FaultStats;
}

/** One segment as `inspect()` shows it. */
export interface SimSegmentInfo {
  readonly name: string;
  readonly kind: 'hub' | 'bridge';
  readonly ports: number;
  readonly stats: HubStats | BridgeStats;
  readonly table?: readonly { mac: string; port: number; seen: number }[];
}

/** `inspect()`: the whole network as plain JSON. */
export interface SimSnapshot {
  readonly seed: number;
  readonly time: number;
  readonly segments: readonly SimSegmentInfo[];
  readonly interfaces: readonly SimInterfaceInfo[];
}

interface PortRecord {
  port: SimPort;
  faults: FaultyDevice | null;
}

/**
 * A simulated network in one process (DESIGN.md, "Determinism and
 * simulation"): it owns a virtual-time `SimScheduler` and a seed, builds
 * hubs, learning bridges and point-to-point links from `@stack/netif`, and
 * hands out one `NetDevice` per host interface for the caller to put a stack
 * on. Every random choice (faults, and each host's `randomFor`) comes from a
 * stream derived from the seed and a name, so the same seed replays the same
 * run, byte for byte, and adding a host does not shift the others.
 *
 * ```ts
 * const net = new SimNetwork({ seed: 7 });
 * const br = net.bridge('br0');
 * const eth = net.attach('h1', br, { faults: { loss: 0.1 } });
 * net.capture(new PcapngWriter(fileSink('/tmp/sim.pcapng')));
 * // ... build a stack on `eth` with net.scheduler and net.randomFor('h1'), run net.runFor(1000)
 * await net.close();
 * ```
 */
export class SimNetwork implements AsyncDisposable {
  readonly seed: number;
  readonly scheduler: SimScheduler;
  /** A stream of the network's own, for the test's use (derived from the seed, label "network"). */
  readonly random: SeededRandom;
  private readonly defaults: LinkProperties;
  private readonly segments = new Map<string, Hub | Bridge>();
  private readonly ports: PortRecord[] = [];
  private readonly names = new Set<string>();
  private readonly macs = new Set<MacAddress>();
  private readonly hostIfCount = new Map<string, number>();
  private readonly hostRandoms = new Map<string, SeededRandom>();
  private readonly captures: CaptureTarget[] = [];
  private readonly tracers: ((line: string) => void)[] = [];
  private closed = false;

  constructor(options: SimNetworkOptions = {}) {
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
      throw new StackError('ERR_INVALID_CONFIG', `SimNetwork: seed must be an integer 0..2^32-1, got ${seed}`);
    }
    this.seed = seed;
    this.scheduler = new SimScheduler(options.start ?? 0);
    this.random = deriveRandom(seed, 'network');
    this.defaults = options.defaults ?? {};
  }

  /** Adds a hub (every frame to every other port). Names are unique among segments. */
  hub(name: string, options: SimHubOptions = {}): Hub {
    this.open('hub');
    this.claimSegment(name);
    const hub = createHub({ scheduler: this.scheduler, name, defaults: { ...this.defaults, ...options.defaults } });
    this.segments.set(name, hub);
    return hub;
  }

  /** Adds a learning bridge (a switch). Names are unique among segments. */
  bridge(name: string, options: SimBridgeOptions = {}): Bridge {
    this.open('bridge');
    this.claimSegment(name);
    const { defaults, ...rest } = options;
    const br = createBridge({ scheduler: this.scheduler, name, defaults: { ...this.defaults, ...defaults }, ...rest });
    this.segments.set(name, br);
    return br;
  }

  /**
   * Plugs a new interface of `host` into `segment` (a hub or bridge of this
   * network, or its name) and returns the host's device: put a stack on it.
   */
  attach(host: string, segment: Segment | string, options: AttachOptions = {}): NetDevice {
    this.open('attach');
    const seg = typeof segment === 'string' ? this.segments.get(segment) : segment;
    if (seg === undefined || this.segments.get(seg.name) !== seg) {
      throw new StackError('ERR_INVALID_ARGUMENT', `attach: no segment ${typeof segment === 'string' ? segment : segment.name} in this network (add it with hub() or bridge())`);
    }
    const { name, mac, faults, ...props } = options;
    const ifName = this.claimInterface(host, name);
    const dev = seg.port({ ...props, name: ifName, mac: this.claimMac(ifName, mac) });
    return this.wrap(host, ifName, dev, seg.name, faults);
  }

  /** A point-to-point cable between a new interface of host `a` and one of host `b`. */
  link(a: string, b: string, options: LinkOptions = {}): [NetDevice, NetDevice] {
    this.open('link');
    const { names, macs, faults, ...props } = options;
    const nameA = this.claimInterface(a, names?.[0]);
    const nameB = this.claimInterface(b, names?.[1]);
    const [da, db] = memoryLink({
      scheduler: this.scheduler,
      names: [nameA, nameB],
      macs: [this.claimMac(nameA, macs?.[0]), this.claimMac(nameB, macs?.[1])],
      ...this.defaults,
      ...props,
    });
    return [this.wrap(a, nameA, da, `link:${nameB}`, faults), this.wrap(b, nameB, db, `link:${nameA}`, undefined)];
  }

  /**
   * Records every interface's frames (sent and received, stamped with virtual
   * time) from now on, including interfaces attached later. A PcapngWriter
   * gets one interface per device, named after it, in attach order; any other
   * recorder gets all frames in one stream. The network never closes it.
   */
  capture(target: CaptureTarget): void {
    this.open('capture');
    this.captures.push(target);
    for (const p of this.ports) this.tap(p.port, target);
  }

  /** Logs one decoded line per frame per interface (see `@stack/netif` withTrace), from now on. */
  trace(log: (line: string) => void): void {
    this.open('trace');
    this.tracers.push(log);
    for (const p of this.ports) p.port.tracers.push(log);
  }

  /**
   * The random stream of `host`, for its stack (ports, ISNs, ids): the same
   * object on every call, derived from the seed and the host's name only.
   */
  randomFor(host: string): SeededRandom {
    let r = this.hostRandoms.get(host);
    if (r === undefined) {
      r = deriveRandom(this.seed, `host:${host}`);
      this.hostRandoms.set(host, r);
    }
    return r;
  }

  /** The device of interface `name`, or undefined. */
  device(name: string): NetDevice | undefined {
    return this.ports.find((p) => p.port.name === name)?.port;
  }

  /** The devices of `host` in the order they were created (all interfaces when `host` is omitted). */
  devices(host?: string): NetDevice[] {
    return this.ports.filter((p) => host === undefined || p.port.host === host).map((p) => p.port);
  }

  /** Fault counters of interface `name` (undefined if it has no faults). */
  faultStats(name: string): FaultStats | undefined {
    return this.ports.find((p) => p.port.name === name)?.faults?.faultStats;
  }

  /** The hub or bridge called `name`. */
  segment(name: string): Hub | Bridge | undefined {
    return this.segments.get(name);
  }

  /** Runs virtual time forward `ms` (see SimScheduler.runFor). */
  runFor(ms: number, options?: RunOptions): number {
    return this.scheduler.runFor(ms, options);
  }

  /** Runs until no timer is left (see SimScheduler.runUntilIdle). Stacks with periodic timers never go idle: use runFor. */
  runUntilIdle(options?: RunOptions): number {
    return this.scheduler.runUntilIdle(options);
  }

  /** Runs virtual time until `promise` settles (see SimScheduler.runUntilSettled). */
  runUntilSettled<T>(promise: Promise<T>, deadline?: number, options?: RunOptions): Promise<T> {
    return this.scheduler.runUntilSettled(promise, deadline, options);
  }

  /** The network as plain JSON: segments with counters and MAC tables, interfaces with counters. */
  inspect(): SimSnapshot {
    const segments: SimSegmentInfo[] = [];
    for (const seg of this.segments.values()) {
      const base = { name: seg.name, kind: seg.kind, ports: seg.portCount, stats: structuredClone(seg.stats) };
      segments.push(seg.kind === 'bridge' ? { ...base, table: seg.table().map((e) => ({ mac: formatMac(e.mac), port: e.port, seen: e.seen })) } : base);
    }
    const interfaces = this.ports.map(({ port, faults }): SimInterfaceInfo => {
      const link = innermost(port);
      const info = {
        name: port.name,
        host: port.host,
        mac: formatMac(port.mac),
        mtu: port.mtu,
        attachedTo: port.attachedTo,
        stats: flatten(link.stats as unknown as Record<string, unknown>),
      };
      return faults === null ? info : { ...info, faultStats: { ...faults.faultStats } };
    });
    return { seed: this.seed, time: this.scheduler.now(), segments, interfaces };
  }

  /**
   * Closes every interface, link, hub and bridge: frames in flight are lost
   * and their timers cancelled, so afterwards `scheduler.pending()` counts
   * only what others (stacks) still hold. Close your stacks first. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.ports) await p.port.close();
    for (const seg of this.segments.values()) await seg.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private wrap(host: string, ifName: string, dev: NetDevice, attachedTo: string, faults: FaultSpec | undefined): SimPort {
    const faulty = faults === undefined ? null : withFaults(dev, { scheduler: this.scheduler, random: deriveRandom(this.seed, `faults:${ifName}`) }, faults);
    const port = new SimPort(faulty ?? dev, host, attachedTo, this.scheduler);
    this.ports.push({ port, faults: faulty });
    for (const c of this.captures) this.tap(port, c);
    port.tracers.push(...this.tracers);
    return port;
  }

  private tap(port: SimPort, target: CaptureTarget): void {
    port.recorders.push(typeof target.interface === 'function' ? target.interface(port.name) : target);
  }

  private open(what: string): void {
    if (this.closed) throw new StackError('ERR_CLOSED', `SimNetwork.${what}: the network is closed`);
  }

  private claimSegment(name: string): void {
    if (typeof name !== 'string' || name === '') throw new StackError('ERR_INVALID_ARGUMENT', 'a segment needs a non-empty name');
    if (this.segments.has(name)) throw new StackError('ERR_INVALID_ARGUMENT', `a segment named ${name} exists already`);
  }

  private claimInterface(host: string, name: string | undefined): string {
    if (typeof host !== 'string' || host === '') throw new StackError('ERR_INVALID_ARGUMENT', 'a host needs a non-empty name');
    const n = this.hostIfCount.get(host) ?? 0;
    this.hostIfCount.set(host, n + 1);
    const ifName = name ?? `${host}.eth${n}`;
    if (this.names.has(ifName)) throw new StackError('ERR_INVALID_ARGUMENT', `an interface named ${ifName} exists already`);
    this.names.add(ifName);
    return ifName;
  }

  private claimMac(ifName: string, mac: MacAddress | undefined): MacAddress {
    if (mac !== undefined) {
      if (this.macs.has(mac)) throw new StackError('ERR_INVALID_ARGUMENT', `MAC ${formatMac(mac)} of ${ifName} is taken`);
      this.macs.add(mac);
      return mac;
    }
    for (let attempt = 0; ; attempt++) {
      const m = deriveMac(ifName, attempt);
      if (!this.macs.has(m)) {
        this.macs.add(m);
        return m;
      }
    }
  }
}

/** The device under all decorators. */
function innermost(dev: NetDevice): NetDevice {
  let d: NetDevice = dev;
  while ('device' in d && (d as DeviceDecorator).device !== undefined) d = (d as DeviceDecorator).device;
  return d;
}

/** `{ rxFrames, ..., dropped: { oversize } }` → `{ rxFrames, ..., 'dropped.oversize' }`. */
function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'number') out[prefix + k] = v;
    else if (typeof v === 'object' && v !== null) flatten(v as Record<string, unknown>, `${prefix}${k}.`, out);
  }
  return out;
}

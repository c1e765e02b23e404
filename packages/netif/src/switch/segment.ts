import { StackError, type MacAddress, type Scheduler } from '@stack/interfaces';
import { checkKeys, invalid } from '../config.js';
import { macFromName } from '../ethernet.js';
import {
  createLink, isCapabilityPair, type CapabilityOverrides, type Link, type LinkDevice, type LinkEnd, type LinkProperties,
} from '../link/memory-link.js';

/** Options of one port of a hub or bridge: the link between the host and the port. */
export interface PortOptions extends LinkProperties {
  /** Name of the host-side device (default `${segment}.port${n}`). */
  name?: string;
  /** MAC of the host-side device (default derived from its name). */
  mac?: MacAddress;
}

/** Options of `createHub` and `createBridge`. */
export interface SegmentOptions {
  scheduler: Scheduler;
  /** A name for logs and port names (default 'hub' / 'bridge'). */
  name?: string;
  /** Link properties every port gets unless its own options say otherwise. */
  defaults?: LinkProperties;
}

/** A shared Ethernet segment that hosts plug into: a hub or a bridge. */
export interface Segment {
  readonly kind: 'hub' | 'bridge';
  readonly name: string;
  /**
   * Adds a port and returns the host-side device of the link to it. Closing
   * that device unplugs the port. Throws ERR_CLOSED after `close()`.
   */
  port(options?: PortOptions): LinkDevice;
  /** Ports plugged in now. */
  readonly portCount: number;
  /** Unplugs every port (their host-side devices go down). Idempotent. */
  close(): Promise<void>;
}

const PORT_KEYS = ['name', 'mac', 'mtu', 'latency', 'bandwidth', 'queueLimit', 'capabilities'];

/** Ports, links and shutdown shared by hub and bridge. */
export abstract class SegmentBase {
  readonly name: string;
  protected readonly ports: (LinkEnd | null)[] = [];
  private readonly links: Link[] = [];
  private closed = false;
  private readonly scheduler: Scheduler;
  private readonly defaults: LinkProperties;

  constructor(readonly kind: 'hub' | 'bridge', options: SegmentOptions) {
    const where = kind === 'hub' ? 'createHub' : 'createBridge';
    if (typeof options !== 'object' || options === null || typeof options.scheduler?.at !== 'function') {
      invalid(where, 'scheduler', 'a Scheduler', options?.scheduler);
    }
    this.scheduler = options.scheduler;
    this.name = options.name ?? kind;
    this.defaults = options.defaults ?? {};
  }

  get portCount(): number {
    let n = 0;
    for (const p of this.ports) if (p !== null) n++;
    return n;
  }

  port(options: PortOptions = {}): LinkDevice {
    if (this.closed) throw new StackError('ERR_CLOSED', `${this.kind} ${this.name}: port() after close`);
    checkKeys(`${this.name}.port`, options, PORT_KEYS);
    const index = this.ports.length;
    const hostName = options.name ?? `${this.name}.port${index}`;
    const portName = `${this.name}:${index}`;
    const { name: _n, mac, ...props } = options;
    const where = `${this.kind} ${this.name} port`;
    const capabilities = portCapabilities(where, props.capabilities ?? this.defaults.capabilities);
    const link = createLink(where, {
      scheduler: this.scheduler,
      names: [hostName, portName],
      macs: [mac ?? macFromName(hostName), macFromName(portName)],
      ...this.defaults,
      ...props,
      ...(capabilities === undefined ? {} : { capabilities }),
    });
    const [host, inner] = link.ends;
    inner.onReceive((frame) => this.input(index, frame));
    link.onDown(() => {
      this.ports[index] = null;
      this.detached(index);
    });
    this.ports.push(inner);
    this.links.push(link);
    return host;
  }

  close(): Promise<void> {
    this.closed = true;
    for (const link of this.links.splice(0)) link.down();
    return Promise.resolve();
  }

  /** A frame arrived on port `index` (valid during the call). */
  protected abstract input(index: number, frame: Uint8Array): void;

  /**
   * Sends `frame` out of every port but `ingress` (flooding), counting one
   * flood, each copy sent, and each port that refused it.
   */
  protected flood(frame: Uint8Array, ingress: number, stats: { floods: number; sent: number; dropped: { egress: number } }): void {
    stats.floods++;
    const ports = this.ports;
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      if (i === ingress || !p) continue;
      if (p.transmit(frame)) stats.sent++;
      else stats.dropped.egress++;
    }
  }

  /** Port `index` was unplugged. */
  protected detached(_index: number): void {}
}

/**
 * The capabilities of a port's two link ends, `[host side, switch side]`.
 * The switch side never takes GSO or GRO: the hub or bridge forwards what it
 * gets as is, so it must get wire-size frames (the link cuts GSO frames from
 * the host in software). One set of capabilities gives the host side all of
 * it and the switch side its checksum flags.
 */
function portCapabilities(where: string, caps: LinkProperties['capabilities']): LinkProperties['capabilities'] {
  if (caps === undefined || typeof caps !== 'object' || caps === null) return caps; // createLink reports a bad one
  if (isCapabilityPair(caps)) {
    const sw = caps[1] as CapabilityOverrides | undefined;
    if (typeof sw === 'object' && sw !== null && ((sw.gsoMaxSize ?? 0) !== 0 || sw.gro === true)) {
      invalid(where, 'capabilities[1] (the switch side)', 'free of gsoMaxSize and gro (a switch forwards wire-size frames)', JSON.stringify(sw));
    }
    return caps;
  }
  const sw: CapabilityOverrides = {};
  if (caps.rxChecksumVerified !== undefined) sw.rxChecksumVerified = caps.rxChecksumVerified;
  if (caps.txChecksumOffload !== undefined) sw.txChecksumOffload = caps.txChecksumOffload;
  return [caps, sw];
}

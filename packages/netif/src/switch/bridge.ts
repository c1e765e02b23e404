import type { MacAddress, Scheduler } from '@stack/interfaces';
import { isMacMulticast, readU48 } from '@stack/wire';
import { BRIDGE_DEFAULTS, checkKeys, intOption, numberOption } from '../config.js';
import { Eth } from '../ethernet.js';
import { SegmentBase, type Segment, type SegmentOptions } from './segment.js';

/** Options of `createBridge`. */
export interface BridgeOptions extends SegmentOptions {
  /** A learned MAC not seen for this long is forgotten, ms (default 300_000, IEEE 802.1D). */
  agingTime?: number;
  /** Most MACs in the table (default 4096); beyond it, new stations are not learned and their frames flood. */
  maxEntries?: number;
}

/** Counters of a bridge. */
export interface BridgeStats {
  /** Frames received on any port. */
  frames: number;
  /** Frames to a known unicast MAC sent out of its one port. */
  forwarded: number;
  /** Frames flooded (broadcast, multicast, unknown unicast). */
  floods: number;
  /** Copies sent out of ports. */
  sent: number;
  /** Stations learned, moved to another port, and forgotten by aging. */
  learned: number;
  moved: number;
  aged: number;
  /** Stations not learned because the table was full. */
  learnFailed: number;
  dropped: {
    /** Shorter than an Ethernet header. */
    runt: number;
    /** The destination lives on the port the frame came from. */
    filtered: number;
    /** An egress port refused the copy (frame too large for its MTU, queue full). */
    egress: number;
  };
}

/** One entry of the forwarding table. */
export interface BridgeEntry {
  readonly mac: MacAddress;
  readonly port: number;
  /** Time (scheduler ms) the station was last seen. */
  readonly seen: number;
}

/** A learning bridge (a switch). */
export interface Bridge extends Segment {
  readonly kind: 'bridge';
  readonly stats: BridgeStats;
  /** The live forwarding table, expired entries removed. */
  table(): BridgeEntry[];
  /** Forgets every learned station. */
  flush(): void;
}

interface Station {
  port: number;
  seen: number;
}

class BridgeImpl extends SegmentBase implements Bridge {
  declare readonly kind: 'bridge';
  readonly stats: BridgeStats = {
    frames: 0, forwarded: 0, floods: 0, sent: 0, learned: 0, moved: 0, aged: 0, learnFailed: 0,
    dropped: { runt: 0, filtered: 0, egress: 0 },
  };
  private readonly stations = new Map<MacAddress, Station>();
  private readonly agingTime: number;
  private readonly maxEntries: number;
  private readonly clock: Scheduler;

  constructor(options: BridgeOptions) {
    super('bridge', options);
    checkKeys('createBridge', options, ['scheduler', 'name', 'defaults', 'agingTime', 'maxEntries']);
    this.clock = options.scheduler;
    this.agingTime = numberOption('createBridge', 'agingTime (ms)', options.agingTime, BRIDGE_DEFAULTS.agingTime, 0, { infinite: true });
    this.maxEntries = intOption('createBridge', 'maxEntries', options.maxEntries, BRIDGE_DEFAULTS.maxEntries, 0, 1 << 24);
  }

  table(): BridgeEntry[] {
    this.expire(this.clock.now());
    return [...this.stations].map(([mac, st]) => ({ mac, port: st.port, seen: st.seen }));
  }

  flush(): void {
    this.stations.clear();
  }

  protected input(index: number, frame: Uint8Array): void {
    const s = this.stats;
    s.frames++;
    if (frame.length < Eth.HEADER) {
      s.dropped.runt++;
      return;
    }
    const now = this.clock.now();
    const src = readU48(frame, Eth.SRC);
    const dst = readU48(frame, Eth.DST);
    if (!isMacMulticast(src)) this.learn(src, index, now);
    if (!isMacMulticast(dst)) {
      const st = this.lookup(dst, now);
      if (st !== undefined) {
        if (st.port === index) {
          s.dropped.filtered++;
          return;
        }
        const out = this.ports[st.port];
        if (out) {
          s.forwarded++;
          if (out.transmit(frame)) s.sent++;
          else s.dropped.egress++;
          return;
        }
      }
    }
    this.flood(frame, index, s);
  }

  protected override detached(index: number): void {
    for (const [mac, st] of this.stations) if (st.port === index) this.stations.delete(mac);
  }

  private learn(mac: MacAddress, port: number, now: number): void {
    const st = this.stations.get(mac);
    if (st !== undefined) {
      if (st.port !== port) {
        st.port = port;
        this.stats.moved++;
      }
      st.seen = now;
      return;
    }
    if (this.stations.size >= this.maxEntries) {
      this.expire(now);
      if (this.stations.size >= this.maxEntries) {
        this.stats.learnFailed++;
        return;
      }
    }
    this.stations.set(mac, { port, seen: now });
    this.stats.learned++;
  }

  /** The station's entry, aging it out lazily against the scheduler's clock. */
  private lookup(mac: MacAddress, now: number): Station | undefined {
    const st = this.stations.get(mac);
    if (st === undefined) return undefined;
    if (now - st.seen >= this.agingTime) {
      this.stations.delete(mac);
      this.stats.aged++;
      return undefined;
    }
    return st;
  }

  private expire(now: number): void {
    for (const [mac, st] of this.stations) {
      if (now - st.seen >= this.agingTime) {
        this.stations.delete(mac);
        this.stats.aged++;
      }
    }
  }
}

/**
 * A transparent learning bridge (IEEE 802.1D §7-8, without spanning tree):
 * it learns which port each source MAC lives behind, sends known unicast out
 * of that one port, floods broadcast, multicast and unknown unicast, and never
 * sends a frame back out of the port it came in on. Entries age out after
 * `agingTime` of silence, measured on the scheduler's clock when they are
 * looked up, so an idle bridge holds no timers.
 */
export function createBridge(options: BridgeOptions): Bridge {
  return new BridgeImpl(options) as Bridge;
}

import { checkKeys } from '../config.js';
import { Eth } from '../ethernet.js';
import { SegmentBase, type Segment, type SegmentOptions } from './segment.js';

/** Counters of a hub. */
export interface HubStats {
  /** Frames received on any port. */
  frames: number;
  /** Frames repeated to the other ports (every frame is). */
  floods: number;
  /** Copies sent out of ports. */
  sent: number;
  dropped: {
    /** Shorter than an Ethernet header. */
    runt: number;
    /** An egress port refused the copy (frame too large for its MTU, queue full). */
    egress: number;
  };
}

/** A repeater: every frame goes out of every other port. */
export interface Hub extends Segment {
  readonly kind: 'hub';
  readonly stats: HubStats;
}

class HubImpl extends SegmentBase implements Hub {
  declare readonly kind: 'hub';
  readonly stats: HubStats = { frames: 0, floods: 0, sent: 0, dropped: { runt: 0, egress: 0 } };

  protected input(index: number, frame: Uint8Array): void {
    const s = this.stats;
    s.frames++;
    if (frame.length < Eth.HEADER) {
      s.dropped.runt++;
      return;
    }
    this.flood(frame, index, s);
  }
}

/**
 * A hub (IEEE 802.3 repeater): `hub.port()` plugs a host in and returns its
 * device; every frame a port receives goes out of all other ports, never
 * back out of the one it came in on.
 */
export function createHub(options: SegmentOptions): Hub {
  if (typeof options === 'object' && options !== null) checkKeys('createHub', options, ['scheduler', 'name', 'defaults']);
  return new HubImpl('hub', options) as Hub;
}

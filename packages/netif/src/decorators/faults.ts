import type { DeviceStats, NetDevice, Random, RxMeta, Scheduler, TxMeta } from '@stack/interfaces';
import { frameFits } from '../ethernet.js';
import { checkChecksumMeta, completeChecksum, segmentGso } from '../link/software-offload.js';
import { DeviceDecorator } from './decorator.js';
import { DelayLine } from './delay-line.js';
import { resolveFaultSpec, type FaultSpec, type ResolvedFaultSpec } from './fault-spec.js';
import { TokenBucket } from './token-bucket.js';

/** What `withFaults` needs: time for delays and windows, randomness for every draw. */
export interface FaultDeps {
  scheduler: Scheduler;
  /** Every random choice draws from it, in a fixed order: a seed replays exactly. */
  random: Random;
}

/** How many frames each fault touched (both directions together). */
export interface FaultStats {
  /** Frames handed on (to the device below on tx, to the handler on rx), duplicates included. */
  passed: number;
  lost: number;
  duplicated: number;
  corrupted: number;
  /** Frames held back by `reorder`. */
  reordered: number;
  /** Frames held for delay, jitter or reorder. */
  delayed: number;
  /** Dropped by the `mtu` fault. */
  oversize: number;
  /** Dropped inside a blackout window. */
  blackout: number;
  /** Frames that waited for rate-limit tokens. */
  rateQueued: number;
  /** Dropped by the rate limit (queue full, or larger than the burst). */
  rateDropped: number;
}

/** A device with faults; also a NetDevice. */
export interface FaultyDevice extends NetDevice {
  readonly faultStats: FaultStats;
  /** The resolved spec. */
  readonly spec: ResolvedFaultSpec;
  /** The device below. */
  readonly device: NetDevice;
}

interface Held<M> {
  frame: Uint8Array;
  meta: M;
}

/** The fault pipeline of one direction. */
class FaultPath<M> {
  private readonly line: DelayLine<M>;
  private readonly bucket: TokenBucket<Held<M>> | null;

  constructor(
    private readonly spec: ResolvedFaultSpec,
    private readonly deps: FaultDeps,
    private readonly stats: FaultStats,
    /** Hands a frame on; false if the next stage refused it. */
    private readonly emit: (frame: Uint8Array, meta: M) => boolean,
    /** Counts a frame this path dropped. */
    private readonly dropped: () => void,
    private readonly copyMeta: (meta: M) => M,
    private readonly corruptedMeta: (meta: M) => M,
  ) {
    this.line = new DelayLine<M>(deps.scheduler, (f, m) => {
      this.emit(f, m);
    });
    const r = spec.rate;
    this.bucket = r === null ? null : new TokenBucket<Held<M>>(deps.scheduler, r.bitsPerSecond, r.burst, r.limit, (h) => {
      this.delayStage(h.frame, h.meta, true);
    });
  }

  /**
   * Runs one frame through blackout, mtu, loss, corrupt, duplicate, rate and
   * delay. `frame` is borrowed (copied if held). False only when a stage that
   * would tell the sender dropped it (rate limit, or the next device refused).
   */
  process(frame: Uint8Array, meta: M): boolean {
    const sp = this.spec;
    const st = this.stats;
    if (sp.blackouts.length > 0) {
      const now = this.deps.scheduler.now();
      for (const b of sp.blackouts) {
        if (now >= b.from && now < b.to) {
          st.blackout++;
          this.dropped();
          return true; // the wire is dead; the sender cannot tell
        }
      }
    }
    if (!frameFits(frame, sp.mtu)) {
      st.oversize++;
      this.dropped();
      return true; // a black hole: silent
    }
    if (this.chance(sp.loss)) {
      st.lost++;
      this.dropped();
      return true;
    }
    let owned = false;
    if (this.chance(sp.corrupt)) {
      frame = frame.slice();
      owned = true;
      const bit = Math.floor(this.float() * frame.length * 8);
      frame[bit >>> 3]! ^= 0x80 >>> (bit & 7);
      meta = this.corruptedMeta(meta);
      st.corrupted++;
    }
    if (this.chance(sp.duplicate)) {
      st.duplicated++;
      const first = this.shape(frame, meta, false);
      return this.shape(frame, meta, owned) && first;
    }
    return this.shape(frame, meta, owned);
  }

  clear(): void {
    this.line.clear();
    this.bucket?.clear();
  }

  private shape(frame: Uint8Array, meta: M, owned: boolean): boolean {
    if (this.bucket !== null) {
      const verdict = this.bucket.offer(frame.length, () => ({ frame: owned ? frame : frame.slice(), meta: this.copyMeta(meta) }));
      if (verdict === 'dropped') {
        this.stats.rateDropped++;
        this.dropped();
        return false;
      }
      if (verdict === 'queued') {
        this.stats.rateQueued++;
        return true;
      }
    }
    return this.delayStage(frame, meta, owned);
  }

  private delayStage(frame: Uint8Array, meta: M, owned: boolean): boolean {
    const sp = this.spec;
    let d = sp.delay;
    if (sp.jitter > 0) d += sp.jitter * (2 * this.float() - 1);
    if (d < 0) d = 0;
    if (this.chance(sp.reorder)) {
      d += sp.reorderDelay;
      this.stats.reordered++;
    }
    if (d > 0) {
      this.stats.delayed++;
      this.line.hold(this.deps.scheduler.now() + d, owned ? frame : frame.slice(), owned ? meta : this.copyMeta(meta));
      return true;
    }
    return this.emit(frame, meta);
  }

  private float(): number {
    return this.deps.random.u32() / 0x1_0000_0000;
  }

  /** Draws only when p > 0, so a fault left out costs no randomness. */
  private chance(p: number): boolean {
    return p > 0 && this.float() < p;
  }
}

class FaultyDeviceImpl extends DeviceDecorator implements FaultyDevice {
  readonly faultStats: FaultStats = {
    passed: 0, lost: 0, duplicated: 0, corrupted: 0, reordered: 0, delayed: 0, oversize: 0, blackout: 0, rateQueued: 0, rateDropped: 0,
  };
  readonly spec: ResolvedFaultSpec;
  private readonly own: DeviceStats = { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0 };
  private readonly txPath: FaultPath<TxMeta | undefined> | null;
  private readonly rxPath: FaultPath<RxMeta> | null;
  private closed = false;

  constructor(inner: NetDevice, deps: FaultDeps, spec: ResolvedFaultSpec) {
    super(inner);
    this.spec = spec;
    this.txPath = !spec.tx ? null : new FaultPath<TxMeta | undefined>(
      spec, deps, this.faultStats,
      (f, m) => this.down(f, m),
      () => { this.own.txDropped++; },
      (m) => (m === undefined ? undefined : { ...m }),
      (m) => m,
    );
    this.rxPath = !spec.rx ? null : new FaultPath<RxMeta>(
      spec, deps, this.faultStats,
      (f, m) => this.up(f, m),
      () => { this.own.rxDropped++; },
      (m) => ({ ...m }),
      // A corrupted frame is no longer vouched for by the device, nor by a partial checksum
      // (which only says "the sender left it to you"): the receiver verifies and drops it,
      // as a NIC drops a frame whose FCS fails.
      () => ({ checksumVerified: false, checksumPartial: false }),
    );
    this.wireFaults = spec.tx && (spec.loss > 0 || spec.corrupt > 0 || spec.mtu !== Number.MAX_SAFE_INTEGER || spec.rate !== null);
  }

  /** Tx faults that act on each frame of the wire: offload requests are resolved before them. */
  private readonly wireFaults: boolean;

  /** This decorator's own counters: what passed it and what its faults dropped. */
  override get stats(): DeviceStats {
    return this.own;
  }

  override transmit(frame: Uint8Array, meta?: TxMeta): boolean {
    if (this.closed) {
      this.own.txDropped++;
      return false;
    }
    if (this.txPath === null) return this.down(frame, meta);
    if (meta !== undefined && this.wireFaults) {
      // Loss, corruption, an MTU black hole and a rate limit happen on the wire, to the segments
      // a NIC cuts and after it fills in checksums: do that here (as Linux's tbf segments a GSO
      // packet it must shape), so a lost frame is one segment, not a 64 KiB burst, and a flipped
      // bit is caught by a checksum computed before it. The device below gets plain frames.
      const caps = this.capabilities;
      const gsoSize = meta.gsoSize ?? 0;
      const gso = gsoSize > 0 && caps.gsoMaxSize > 0;
      const csum = meta.checksumStart !== undefined && caps.txChecksumOffload;
      if (gso) {
        const r = segmentGso(frame, gsoSize);
        if (!r.ok) {
          this.own.txDropped++;
          return false;
        }
        let sent = false;
        for (const seg of r.value) if (this.txPath.process(seg, undefined)) sent = true;
        return sent;
      }
      if (csum) {
        checkChecksumMeta(frame, meta, `${this.name}.transmit`);
        const copy = frame.slice();
        completeChecksum(copy, meta.checksumStart!, meta.checksumOffset ?? 0);
        return this.txPath.process(copy, undefined);
      }
    }
    return this.txPath.process(frame, meta);
  }

  override close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.txPath?.clear();
      this.rxPath?.clear();
    }
    return this.inner.close();
  }

  protected override receive(frame: Uint8Array, meta: RxMeta): void {
    if (this.closed) return;
    if (this.rxPath === null) this.up(frame, meta);
    else this.rxPath.process(frame, meta);
  }

  private down(frame: Uint8Array, meta: TxMeta | undefined): boolean {
    if (this.closed) return false;
    if (this.spec.tx) this.faultStats.passed++;
    if (!this.inner.transmit(frame, meta)) {
      this.own.txDropped++;
      return false;
    }
    this.own.txFrames++;
    this.own.txBytes += frame.length;
    return true;
  }

  private up(frame: Uint8Array, meta: RxMeta): boolean {
    if (this.closed || this.handler === null) {
      this.own.rxDropped++;
      return false;
    }
    if (this.spec.rx) this.faultStats.passed++;
    this.own.rxFrames++;
    this.own.rxBytes += frame.length;
    this.handler(frame, meta);
    return true;
  }
}

/**
 * Wraps `device` in a fault injector (like smoltcp's FaultInjector or Linux
 * netem + tbf): loss, duplication, single-bit corruption, reordering, delay
 * with jitter, an MTU black hole, a token-bucket rate limit and blackout
 * windows, on sent frames, received frames or both. Every random choice draws
 * from `deps.random` in a fixed order, so the same seed replays the same
 * faults. Throws ERR_INVALID_CONFIG for a bad spec. Closing it cancels its
 * timers and closes `device`.
 */
export function withFaults(device: NetDevice, deps: FaultDeps, spec: FaultSpec): FaultyDevice {
  const resolved = resolveFaultSpec(spec);
  return new FaultyDeviceImpl(device, deps, resolved);
}

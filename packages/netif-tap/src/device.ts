import type { DeviceCapabilities, FrameHandler, MacAddress, NetDevice, RxMeta, TxMeta } from '@stack/interfaces';
import { errnoName } from '@stack/native';
import { EtherType, readU16 } from '@stack/wire';
import type { TapConfig } from './config.js';
import { USO_MAX_SEGMENTS, appendToUdpRun, udpSegmentPayload } from './coalesce.js';
import { writeTxHeader, type Negotiated } from './offload.js';
import { newTapStats, type TapDropCounters, type TapStats } from './stats.js';
import { VNET_HDR_LEN, VnetField, VnetFlags, VnetGso } from './wire/fields.js';
import { checkVnetHeader } from './wire/vnet-header.js';

/**
 * What a TapDevice needs from the fd: batched writes, a writable wake-up,
 * close. `@stack/native`'s TapHandle and FramePoller in `openTap`; a fake in
 * unit tests.
 */
export interface TapIo {
  /** Writes frames `buf[offsets[i], +lengths[i])`, i < count; returns how many were consumed (fewer on EAGAIN); a refused frame's length becomes -errno. */
  write(buf: Uint8Array, offsets: Int32Array, lengths: Int32Array, count: number): number;
  /** Asks for one `TapDevice.writable()` call when the fd takes writes again. */
  wantWritable(): void;
  /** Stops reading and closes the fd. */
  close(): void;
}

/** What the kernel accepted when the TAP was opened. */
export interface TapNegotiated extends Negotiated {
  /** TUN_F_* bits TUNSETOFFLOAD accepted (0 without offloads). */
  readonly flags: number;
  /**
   * The kernel takes GSO_UDP_L4 frames from us (it accepted TUN_F_USO4 when
   * probed, Linux ≥ 6.2), so runs of UDP datagrams can be coalesced (see
   * coalesce.ts). USO is not left on for frames the kernel hands us.
   */
  readonly uso: boolean;
}

/** A NetDevice over a Linux TAP (see `openTap`). */
export interface TapDevice extends NetDevice {
  readonly stats: TapStats;
  /** The resolved options. */
  readonly config: TapConfig;
  /** What the kernel accepted: virtio header, checksum offload, TSO. */
  readonly negotiated: TapNegotiated;
  /** Bytes per receive slot: the largest frame (virtio header included) that can be read. */
  readonly rxSlotSize: number;
  /** The errno name of the last refused write, if any. */
  readonly lastWriteError: string | undefined;
  /** Runs of UDP datagrams are coalesced into USO frames (`coalesceUdp` and the kernel takes them); false after the kernel refused one. */
  readonly coalescingUdp: boolean;
  /** False once closed. */
  readonly up: boolean;
}

const ETH_HEADER = 14;
const VLAN_TAG = 4;

/**
 * The device behind `openTap`. Receive: `receiveBatch` is called once per
 * native read batch; each frame's virtio header becomes RxMeta and the frame
 * (a view into the slab, valid during the handler call) goes up. Transmit:
 * frames are copied, header first, into one tx slab and written in one
 * native call per tick: a microtask after the first frame of a tick, so all
 * frames a receive batch or a timer produces go in one batch without adding
 * a turn of the event loop; a full queue is written at once (writing never
 * calls upward). EAGAIN leaves the rest queued until the fd is writable.
 */
export class TapDeviceImpl implements TapDevice {
  readonly stats: TapStats = newTapStats();
  readonly capabilities: DeviceCapabilities;
  readonly rxSlotSize: number;
  lastWriteError: string | undefined;
  private handler: FrameHandler | null = null;
  private closed = false;
  private readonly meta: RxMeta = { checksumVerified: false, checksumPartial: false };
  private readonly hdr: number;
  // Transmit queue: frames packed in txBuf, [offset, length] per frame, flags (1: TCP GSO, 2: NEEDS_CSUM, 4: UDP run),
  // and per entry the frames it stands for and their bytes (more than one for a coalesced UDP run).
  private readonly txBuf: Uint8Array;
  private readonly txOffsets: Int32Array;
  private readonly txLengths: Int32Array;
  private readonly txFlags: Uint8Array;
  private readonly txSegs: Uint8Array;
  private readonly txSegBytes: Int32Array;
  private txCount = 0;
  private txUsed = 0;
  /** UDP coalescing (coalesce.ts): on, and the open run (the last queued entry) with its segment size; -1: none. */
  coalescingUdp: boolean;
  private run = -1;
  private runSegmentSize = 0;
  private flushScheduled = false;
  private waitingWritable = false;
  private readonly flushTask = (): void => {
    this.flushScheduled = false;
    if (!this.closed && !this.waitingWritable && this.txCount > 0) this.writeQueued();
  };

  constructor(
    readonly name: string,
    readonly config: TapConfig,
    readonly negotiated: TapNegotiated,
    private readonly io: TapIo,
    /** Where an exception a receive handler threw goes, after the rest of its batch went up (default: rethrown on a microtask, as uncaught). */
    private readonly reportError: (error: unknown) => void = rethrowAsync,
  ) {
    const tso = negotiated.vnetHdr && negotiated.csum && negotiated.tso4;
    this.capabilities = Object.freeze({
      mtu: config.mtu,
      rxChecksumVerified: false,
      txChecksumOffload: negotiated.vnetHdr && negotiated.csum,
      gsoMaxSize: tso ? 65_535 : 0,
      gro: tso,
    });
    this.hdr = negotiated.vnetHdr ? VNET_HDR_LEN : 0;
    // The largest frame the kernel may hand over: a 64 KiB coalesced segment with TSO, else an MTU-sized one (VLAN tag allowed).
    const largest = this.hdr + ETH_HEADER + VLAN_TAG + (tso ? 65_535 : config.mtu);
    this.rxSlotSize = Math.ceil(largest / 64) * 64;
    this.txBuf = new Uint8Array(config.txQueueBytes);
    this.txOffsets = new Int32Array(config.txQueueFrames);
    this.txLengths = new Int32Array(config.txQueueFrames);
    this.txFlags = new Uint8Array(config.txQueueFrames);
    this.txSegs = new Uint8Array(config.txQueueFrames);
    this.txSegBytes = new Int32Array(config.txQueueFrames);
    this.coalescingUdp = config.coalesceUdp && negotiated.uso && negotiated.vnetHdr && negotiated.csum;
  }

  get mac(): MacAddress {
    return this.config.mac;
  }

  get mtu(): number {
    return this.config.mtu;
  }

  get up(): boolean {
    return !this.closed;
  }

  onReceive(handler: FrameHandler): void {
    this.handler = handler;
  }

  transmit(frame: Uint8Array, meta?: TxMeta): boolean {
    if (this.closed) return this.txDrop('closed');
    const len = frame.length;
    if (len < ETH_HEADER) return this.txDrop('runt');
    const gso = meta !== undefined && meta.gsoSize !== undefined && meta.gsoSize > 0;
    if (gso && this.capabilities.gsoMaxSize === 0) return this.txDrop('offload');
    const tagged = readU16(frame, 12) === EtherType.VLAN ? VLAN_TAG : 0;
    if (len > ETH_HEADER + tagged + (gso ? this.capabilities.gsoMaxSize : this.config.mtu)) return this.txDrop('oversize');
    // (udpSegmentPayload refuses tagged and GSO frames itself.)
    const payload = this.coalescingUdp ? udpSegmentPayload(frame, meta) : -1;
    if (payload > 0 && this.run >= 0 && this.joinRun(frame, len, payload)) return true;
    const need = this.hdr + len;
    if (this.txCount === this.txOffsets.length || this.txUsed + need > this.txBuf.length) {
      // Full: write what is queued now (no upward call), unless the kernel is pushing back.
      if (!this.waitingWritable) this.writeQueued();
      if (this.txCount === this.txOffsets.length || this.txUsed + need > this.txBuf.length) return this.txDrop('queueFull');
    }
    const at = this.txUsed;
    this.txBuf.set(frame, at + this.hdr);
    if (writeTxHeader(this.txBuf, at, len, meta, this.negotiated) !== null) return this.txDrop('offload');
    const i = this.txCount++;
    this.txOffsets[i] = at;
    this.txLengths[i] = need;
    this.txFlags[i] = (gso ? 1 : 0) | (this.hdr > 0 && (this.txBuf[at + VnetField.FLAGS]! & VnetFlags.NEEDS_CSUM) !== 0 ? 2 : 0);
    this.txSegs[i] = 1; // flag 4 when a UDP run grows from it
    this.txSegBytes[i] = len;
    this.txUsed += need;
    // A UDP datagram opens a run the next ones of its flow may join.
    this.run = payload > 0 ? i : -1;
    this.runSegmentSize = payload;
    if (!this.flushScheduled && !this.waitingWritable) {
      this.flushScheduled = true;
      queueMicrotask(this.flushTask);
    }
    return true;
  }

  /**
   * Appends the payload of a UDP `frame` (`payload` bytes, checked by
   * udpSegmentPayload) to the open run when it is of the same flow and fits;
   * false leaves it to be queued as a frame of its own.
   */
  private joinRun(frame: Uint8Array, len: number, payload: number): boolean {
    const i = this.run;
    const segs = this.txSegs[i]!;
    if (payload > this.runSegmentSize || segs >= USO_MAX_SEGMENTS) return false;
    const at = this.txOffsets[i]!;
    const end = appendToUdpRun(this.txBuf, at, at + this.hdr, frame, payload, this.runSegmentSize, segs);
    if (end < 0) return false;
    this.txSegs[i] = segs + 1;
    this.txSegBytes[i]! += len;
    this.txLengths[i] = end - at;
    this.txUsed = end;
    this.txFlags[i]! |= 4;
    // A shorter datagram is the last segment USO allows.
    if (payload < this.runSegmentSize) this.run = -1;
    return true;
  }

  /**
   * @internal One native read batch: frame i is `slab[i * rxSlotSize, + lengths[i])`.
   * `errno` ≠ 0: reading stopped on that error (counted in `readErrors`).
   */
  receiveBatch(slab: Uint8Array, lengths: Int32Array, count: number, errno: number): void {
    const s = this.stats;
    s.rxBatches++;
    if (errno !== 0) s.readErrors++;
    const slot = this.rxSlotSize;
    const hdr = this.hdr;
    const meta = this.meta;
    let firstError: unknown;
    let failed = false;
    for (let i = 0; i < count && !this.closed; i++) {
      const base = i * slot;
      const len = lengths[i]!;
      if (len > slot) {
        this.rxDrop('oversize');
        continue;
      }
      if (len < hdr + ETH_HEADER) {
        this.rxDrop('runt');
        continue;
      }
      let partial = false;
      let verified = false;
      if (hdr > 0) {
        if (checkVnetHeader(slab, base, len - hdr) !== null) {
          this.rxDrop('badHeader');
          continue;
        }
        const flags = slab[base + VnetField.FLAGS]!;
        partial = (flags & VnetFlags.NEEDS_CSUM) !== 0;
        verified = (flags & VnetFlags.DATA_VALID) !== 0;
        if (slab[base + VnetField.GSO_TYPE] !== VnetGso.NONE) s.gsoIn++;
        if (partial) s.csumPartialIn++;
      }
      const handler = this.handler;
      if (handler === null) {
        this.rxDrop('noHandler');
        continue;
      }
      s.rxFrames++;
      s.rxBytes += len - hdr;
      meta.checksumPartial = partial;
      meta.checksumVerified = verified;
      try {
        handler(slab.subarray(base + hdr, base + len), meta);
      } catch (err) {
        // The rest of the batch still goes up; the first error surfaces as an uncaught exception afterwards.
        if (!failed) {
          failed = true;
          firstError = err;
        }
      }
    }
    if (failed) this.reportError(firstError);
  }

  /** @internal The fd takes writes again after EAGAIN: write what waited. */
  writable(): void {
    this.waitingWritable = false;
    if (!this.closed && this.txCount > 0) this.writeQueued();
  }

  /** Writes what is queued (at most what fits) and counts; a partial write keeps the rest for `writable()`. */
  private writeQueued(): void {
    const count = this.txCount;
    if (count === 0) return;
    this.run = -1; // what is written, or moved below, is closed to joiners
    const s = this.stats;
    let done: number;
    try {
      done = this.io.write(this.txBuf, this.txOffsets, this.txLengths, count);
    } catch (err) {
      // The fd itself is unusable (EBADF...): every queued frame is lost.
      this.lastWriteError = (err as { errno?: string }).errno ?? String(err);
      const lost = this.queuedFrames(0, count);
      s.txDropped += lost;
      s.dropped.writeError += lost;
      this.txCount = 0;
      this.txUsed = 0;
      return;
    }
    s.txBatches++;
    for (let i = 0; i < done; i++) {
      const len = this.txLengths[i]!;
      const segs = this.txSegs[i]!;
      const f = this.txFlags[i]!;
      if (len < 0) {
        s.txDropped += segs;
        s.dropped.writeError += segs;
        this.lastWriteError = errnoName(-len);
        // A kernel without USO on its write path (EINVAL): send datagrams one by one from now on.
        if ((f & 4) !== 0 && this.lastWriteError === 'EINVAL') this.coalescingUdp = false;
        continue;
      }
      s.txFrames += segs;
      s.txBytes += this.txSegBytes[i]!;
      if ((f & 1) !== 0) s.gsoOut++;
      if ((f & 2) !== 0) s.csumOffloadOut++;
      if ((f & 4) !== 0) {
        s.usoOut++;
        s.udpCoalesced += segs;
      }
    }
    if (done === count) {
      this.txCount = 0;
      this.txUsed = 0;
      return;
    }
    // EAGAIN: move what is left to the front and wait for the fd.
    const from = this.txOffsets[done]!;
    this.txBuf.copyWithin(0, from, this.txUsed);
    for (let i = done; i < count; i++) {
      const j = i - done;
      this.txOffsets[j] = this.txOffsets[i]! - from;
      this.txLengths[j] = this.txLengths[i]!;
      this.txFlags[j] = this.txFlags[i]!;
      this.txSegs[j] = this.txSegs[i]!;
      this.txSegBytes[j] = this.txSegBytes[i]!;
    }
    this.txCount = count - done;
    this.txUsed -= from;
    this.waitingWritable = true;
    this.io.wantWritable();
  }

  /** Frames queued in entries [from, to) (a coalesced run counts its datagrams). */
  private queuedFrames(from: number, to: number): number {
    let n = 0;
    for (let i = from; i < to; i++) n += this.txSegs[i]!;
    return n;
  }

  /** Writes what is queued, stops reading, closes the fd; frames still queued are dropped (`dropped.closed`). Idempotent. */
  close(): Promise<void> {
    if (!this.closed) {
      if (!this.waitingWritable && this.txCount > 0) this.writeQueued();
      this.closed = true;
      this.handler = null;
      if (this.txCount > 0) {
        const lost = this.queuedFrames(0, this.txCount);
        this.stats.txDropped += lost;
        this.stats.dropped.closed += lost;
        this.txCount = 0;
        this.txUsed = 0;
      }
      this.io.close();
    }
    return Promise.resolve();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private txDrop(reason: keyof TapDropCounters): false {
    this.stats.txDropped++;
    this.stats.dropped[reason]++;
    return false;
  }

  private rxDrop(reason: keyof TapDropCounters): void {
    this.stats.rxDropped++;
    this.stats.dropped[reason]++;
  }
}

function rethrowAsync(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

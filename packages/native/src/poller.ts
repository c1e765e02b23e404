import { StackError } from '@stack/interfaces';
import type { NativeBinding, PollerHandle } from './binding.js';
import { fromAddonError } from './errors.js';

/** Options of `TapHandle.poll`. */
export interface FramePollerOptions {
  /** Bytes per frame slot, 64..1 MiB: the largest frame (virtio header included) that can be read. */
  slotSize: number;
  /** Frames drained per readable wake-up (and slots in the slab), 1..4096. */
  slots: number;
  /**
   * Called once per batch: frames 0..count-1 are in `slab` at `i * slotSize`,
   * `lengths[i]` bytes long (a length above `slotSize` means the frame did not
   * fit and was cut). `errno` is 0, or the error that stopped reading (then
   * `reading` is false: the device went away). The slab is reused by the next
   * batch: read what you need during the call.
   */
  onFrames(count: number, errno: number): void;
  /** Called once when the fd becomes writable after `wantWritable()`. */
  onWritable?(): void;
}

/**
 * Reads frames from a non-blocking fd in batches: a libuv uv_poll on the
 * event loop wakes when the fd is readable, the addon drains up to `slots`
 * frames with read() into `slab` (memory owned here, on the JS side) and
 * makes one JS call per batch. Created by `TapHandle.poll`; closed with
 * its handle.
 */
export class FramePoller {
  /** Where frames land: slot i is `slab.subarray(i * slotSize, (i + 1) * slotSize)`. */
  readonly slab: Uint8Array;
  /** Length of frame i of the current batch. */
  readonly lengths: Int32Array;
  readonly slotSize: number;
  readonly slots: number;
  private handle: PollerHandle | null;
  private readingNow = false;
  private writableWanted = false;

  /** @internal Use `TapHandle.poll`. */
  constructor(private readonly native: NativeBinding, fd: number, options: FramePollerOptions, private readonly onClosed: () => void) {
    const { slotSize, slots, onFrames, onWritable } = options;
    if (!(Number.isInteger(slotSize) && slotSize >= 64 && slotSize <= 1 << 20)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `FramePoller: slotSize must be an integer in 64..1048576 bytes, got ${String(slotSize)}`);
    }
    if (!(Number.isInteger(slots) && slots >= 1 && slots <= 4096)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `FramePoller: slots must be an integer in 1..4096, got ${String(slots)}`);
    }
    if (typeof onFrames !== 'function') throw new StackError('ERR_INVALID_ARGUMENT', 'FramePoller: onFrames must be a function (count, errno) => void');
    if (onWritable !== undefined && typeof onWritable !== 'function') throw new StackError('ERR_INVALID_ARGUMENT', 'FramePoller: onWritable must be a function');
    this.slotSize = slotSize;
    this.slots = slots;
    const buffer = new ArrayBuffer(slotSize * slots);
    this.slab = new Uint8Array(buffer);
    this.lengths = new Int32Array(slots);
    const frames = (count: number, errno: number): void => {
      if (errno !== 0) this.readingNow = false;
      onFrames(count, errno);
    };
    const writable = (): void => {
      this.writableWanted = false;
      onWritable?.();
    };
    try {
      this.handle = native.pollerCreate(fd, buffer, slotSize, slots, this.lengths, frames, writable);
    } catch (err) {
      throw fromAddonError('FramePoller', err);
    }
  }

  /** Whether readable wake-ups are being watched. */
  get reading(): boolean {
    return this.readingNow;
  }

  get closed(): boolean {
    return this.handle === null;
  }

  /** Starts reading (idempotent). Throws ERR_CLOSED after close. */
  start(): void {
    this.readingNow = true;
    this.apply('start');
  }

  /** Stops reading (idempotent); frames wait in the kernel's queue (and are dropped by it when that fills). */
  stop(): void {
    this.readingNow = false;
    this.apply('stop');
  }

  /** Asks for one `onWritable` call when the fd can take writes again (after a write stopped at EAGAIN). */
  wantWritable(): void {
    this.writableWanted = true;
    this.apply('wantWritable');
  }

  /** Whether an active poller keeps the event loop (and the process) alive; default true, like a socket. */
  ref(keepAlive = true): void {
    if (this.handle === null) return;
    this.native.pollerRef(this.handle, keepAlive);
  }

  /** Lets the process exit while this poller is the only thing left. */
  unref(): void {
    this.ref(false);
  }

  /** Stops watching and closes the uv handle (the fd stays open: its TapHandle owns it). Idempotent. */
  close(): void {
    if (this.handle === null) return;
    const h = this.handle;
    this.handle = null;
    this.readingNow = false;
    this.writableWanted = false;
    this.native.pollerClose(h);
    this.onClosed();
  }

  private apply(op: string): void {
    if (this.handle === null) throw new StackError('ERR_CLOSED', `FramePoller.${op}: the poller is closed`);
    try {
      this.native.pollerSet(this.handle, this.readingNow, this.writableWanted);
    } catch (err) {
      throw fromAddonError(`FramePoller.${op}`, err);
    }
  }
}

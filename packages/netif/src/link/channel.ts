import type { Cancel, Scheduler } from '@stack/interfaces';

/**
 * One direction of a link: a FIFO of frames with their arrival times and a
 * single timer armed for the head. No closure or timer per frame; frames
 * leave in the order they came, each at
 * `max(now, busy until) + size * 8 / bandwidth + latency`.
 */
export class Channel {
  private frames: (Uint8Array | undefined)[] = [];
  private times: number[] = [];
  /** Per frame: its L4 checksum was left partial (delivered with `RxMeta.checksumPartial`). */
  private partial: boolean[] = [];
  private head = 0;
  private timer: Cancel | null = null;
  private flushing = false;
  /** When the transmitter finishes serializing what it already holds. */
  private busyUntil = 0;
  private readonly fire = (): void => this.flush();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly latency: number,
    /** Bits per second; Infinity for none. */
    private readonly bandwidth: number,
    /** Bytes allowed to wait for serialization. */
    private readonly queueLimit: number,
    private readonly deliver: (frame: Uint8Array, partial: boolean) => void,
    /** Called after each run of deliveries that arrived together (a receive batch, as a NAPI poll's end). */
    private readonly batchEnd: (() => void) | null = null,
    /** Called after `batchEnd` with the last frame of the batch: it and every frame before it may be reused. */
    private readonly release: ((last: Uint8Array) => void) | null = null,
  ) {}

  /** Frames sent and not yet delivered. */
  get inFlight(): number {
    return this.frames.length - this.head;
  }

  /**
   * Queues `frame` (which the channel now owns); `partial` travels with it to
   * `deliver`. False when the serialization queue is full.
   */
  send(frame: Uint8Array, partial = false): boolean {
    const now = this.scheduler.now();
    let at: number;
    if (this.bandwidth === Infinity) {
      at = now + this.latency;
    } else {
      const start = this.busyUntil > now ? this.busyUntil : now;
      const waiting = ((start - now) * this.bandwidth) / 8000; // bytes still to serialize before this frame
      if (waiting + frame.length > this.queueLimit) return false;
      this.busyUntil = start + (frame.length * 8000) / this.bandwidth;
      at = this.busyUntil + this.latency;
    }
    this.frames.push(frame);
    this.times.push(at);
    this.partial.push(partial);
    if (this.timer === null && !this.flushing) this.timer = this.scheduler.at(at, this.fire);
    return true;
  }

  /** Drops everything queued and cancels the timer. */
  clear(): void {
    this.timer?.();
    this.timer = null;
    this.frames.length = 0;
    this.times.length = 0;
    this.partial.length = 0;
    this.head = 0;
    this.busyUntil = 0;
  }

  private flush(): void {
    this.timer = null;
    this.flushing = true;
    const now = this.scheduler.now();
    let last: Uint8Array | null = null;
    let finished = false;
    try {
      while (this.head < this.frames.length && this.times[this.head]! <= now) {
        const frame = this.frames[this.head]!;
        const partial = this.partial[this.head]!;
        this.frames[this.head] = undefined;
        this.head++;
        last = frame;
        this.deliver(frame, partial); // may clear() this channel (a handler closing the link)
      }
      this.batchEnd?.();
      finished = true;
    } finally {
      // A handler that throws does not stop the channel; its batch's memory is given back with the next
      // batch (frames a GRO end still holds are handed up first).
      this.flushing = false;
      if (finished && last !== null) this.release?.(last);
      this.rearm();
    }
  }

  /** After a flush: resets the queue when empty, else compacts it and arms the timer for the head. */
  private rearm(): void {
    if (this.head >= this.frames.length) {
      this.frames.length = 0;
      this.times.length = 0;
      this.partial.length = 0;
      this.head = 0;
    } else {
      if (this.head > 1024 && this.head * 2 > this.frames.length) {
        this.frames.splice(0, this.head);
        this.times.splice(0, this.head);
        this.partial.splice(0, this.head);
        this.head = 0;
      }
      this.timer = this.scheduler.at(this.times[this.head]!, this.fire);
    }
  }
}

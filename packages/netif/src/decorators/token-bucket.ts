import type { Cancel, Scheduler } from '@stack/interfaces';

/** What the bucket did with a frame. */
export type BucketVerdict = 'pass' | 'queued' | 'dropped';

/** Tokens short of a frame's size by less than this still let it pass (float rounding). */
const EPSILON = 1e-6;

interface Waiting<T> {
  size: number;
  item: T;
}

/**
 * A token bucket with a FIFO in front (like Linux tbf): `burst` bytes of
 * tokens, refilled at `bitsPerSecond`. A frame passes when nothing waits and
 * tokens cover it; else it waits (at most `limit` bytes wait) and is released
 * when tokens come; else it is dropped. A frame larger than `burst` could
 * never pass and is dropped. One timer, armed for the head of the queue.
 */
export class TokenBucket<T> {
  private tokens: number;
  private last: number;
  private readonly bytesPerMs: number;
  private queue: (Waiting<T> | undefined)[] = [];
  private head = 0;
  private queued = 0;
  private timer: Cancel | null = null;
  private readonly fire = (): void => this.drain();

  constructor(
    private readonly scheduler: Scheduler,
    bitsPerSecond: number,
    private readonly burst: number,
    private readonly limit: number,
    private readonly release: (item: T) => void,
  ) {
    this.bytesPerMs = bitsPerSecond / 8000;
    this.tokens = burst;
    this.last = scheduler.now();
  }

  /** Bytes waiting for tokens. */
  get queuedBytes(): number {
    return this.queued;
  }

  /**
   * Offers `size` bytes. 'pass': send now (tokens taken). 'queued': `take()`
   * was called for the item to keep, which `release` gets later. 'dropped':
   * over burst or over limit.
   */
  offer(size: number, take: () => T): BucketVerdict {
    this.refill();
    if (size > this.burst) return 'dropped';
    if (this.head === this.queue.length && this.tokens + EPSILON >= size) {
      this.tokens = Math.max(0, this.tokens - size);
      return 'pass';
    }
    if (this.queued + size > this.limit) return 'dropped';
    this.queue.push({ size, item: take() });
    this.queued += size;
    if (this.timer === null) this.arm();
    return 'queued';
  }

  /** Drops the queue and cancels the timer. */
  clear(): void {
    this.timer?.();
    this.timer = null;
    this.queue.length = 0;
    this.head = 0;
    this.queued = 0;
  }

  private refill(): void {
    const now = this.scheduler.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.bytesPerMs);
    this.last = now;
  }

  private arm(): void {
    const next = this.queue[this.head];
    if (next === undefined) return;
    const wait = Math.max(0, (next.size - this.tokens) / this.bytesPerMs);
    this.timer = this.scheduler.at(this.scheduler.now() + wait, this.fire);
  }

  private drain(): void {
    this.timer = null;
    this.refill();
    for (;;) {
      const next = this.queue[this.head];
      if (next === undefined || this.tokens + EPSILON < next.size) break;
      this.tokens = Math.max(0, this.tokens - next.size);
      this.queue[this.head] = undefined;
      this.head++;
      this.queued -= next.size;
      this.release(next.item);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
      return;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.timer === null) this.arm();
  }
}

import type { Cancel, Scheduler } from '@stack/interfaces';

/** Something with one deadline the layer watches (a connection). */
export interface Timed {
  /** Absolute ms at which it wants to be polled, or Infinity. Owned by `DeadlineQueue`. */
  deadline: number;
  /** The time of its earliest live entry in the heap, or Infinity. Owned by `DeadlineQueue`. */
  queued: number;
}

/**
 * All of a layer's connection timers behind ONE scheduler timer (DESIGN.md:
 * never a timer per connection): a binary min-heap of (time, item) in two
 * parallel arrays, with lazy deletion. Moving a deadline earlier pushes a new
 * entry and leaves the old one to be skipped when it surfaces (its time no
 * longer matches the item's `queued`); moving it later pushes nothing: the
 * earlier entry surfaces first and is pushed again then, at the item's
 * deadline (most moves are later ones: every ACK pushes the retransmission
 * timer back). Pushing allocates nothing once the arrays have grown;
 * the scheduler timer is re-armed only when the earliest deadline moves
 * earlier.
 */
export class DeadlineQueue<T extends Timed> {
  private readonly times: number[] = [];
  private readonly items: T[] = [];
  private timer: Cancel | null = null;
  private timerAt = Infinity;
  private running = false;
  private readonly fire = (): void => this.onTimer();

  constructor(
    private readonly scheduler: Scheduler,
    /** Called for each item whose deadline has come; it should set a new one with `set`. */
    private readonly due: (item: T, now: number) => void,
  ) {}

  /** Entries in the heap, stale ones included (for tests). */
  get size(): number {
    return this.times.length;
  }

  /** Sets `item`'s deadline (Infinity: none). */
  set(item: T, time: number): void {
    if (time === item.deadline) return;
    item.deadline = time;
    if (time >= item.queued) return; // an entry at or before it surfaces first, and re-queues it then
    item.queued = time;
    this.push(time, item);
    if (!this.running && time < this.timerAt) this.arm(time);
  }

  /** Drops every entry and the scheduler timer. */
  clear(): void {
    for (const item of this.items) item.queued = Infinity;
    this.times.length = 0;
    this.items.length = 0;
    this.timer?.();
    this.timer = null;
    this.timerAt = Infinity;
  }

  private arm(time: number): void {
    this.timer?.();
    this.timerAt = time;
    this.timer = this.scheduler.at(time, this.fire);
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.scheduler.now();
    this.running = true;
    try {
      // Items re-armed for `now` or earlier while we run are taken in this same pass, within a budget: an
      // item that keeps asking for a time already past yields to the scheduler (whose step limit then
      // reports the livelock) instead of spinning here forever.
      let budget = this.times.length * 2 + 1024;
      while (this.times.length > 0 && this.times[0]! <= now && budget-- > 0) {
        const time = this.times[0]!;
        const item = this.pop();
        if (item.queued !== time) continue; // stale: the deadline moved earlier
        item.queued = Infinity;
        const d = item.deadline;
        if (d > now) {
          // Moved later since it was queued (or to Infinity: dropped).
          if (d !== Infinity) {
            item.queued = d;
            this.push(d, item);
          }
          continue;
        }
        item.deadline = Infinity;
        this.due(item, now);
      }
    } finally {
      this.running = false;
      // Skip stale heads so the timer is armed for a real deadline.
      while (this.times.length > 0 && this.items[0]!.queued !== this.times[0]) this.pop();
      if (this.times.length > 0) this.arm(this.times[0]!);
    }
  }

  private push(time: number, item: T): void {
    const t = this.times;
    const it = this.items;
    let i = t.length;
    t.push(time);
    it.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (t[parent]! <= time) break;
      t[i] = t[parent]!;
      it[i] = it[parent]!;
      i = parent;
    }
    t[i] = time;
    it[i] = item;
  }

  private pop(): T {
    const t = this.times;
    const it = this.items;
    const top = it[0]!;
    const lastTime = t.pop()!;
    const lastItem = it.pop()!;
    const n = t.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && t[c + 1]! < t[c]!) c++;
        if (t[c]! >= lastTime) break;
        t[i] = t[c]!;
        it[i] = it[c]!;
        i = c;
      }
      t[i] = lastTime;
      it[i] = lastItem;
    }
    return top;
  }
}

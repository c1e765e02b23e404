import type { Cancel, Scheduler } from '@stack/interfaces';

/** Something with one deadline the layer watches (a connection). */
export interface Timed {
  /** Absolute ms at which it wants to be polled, or Infinity. Owned by `DeadlineQueue`. */
  deadline: number;
  /** The time of its entry in the heap, or Infinity when it has none. Owned by `DeadlineQueue`. */
  queued: number;
  /** Where its entry is in the heap, or -1. Owned by `DeadlineQueue`. */
  heapIndex: number;
}

/**
 * All of a layer's connection timers behind ONE scheduler timer (DESIGN.md:
 * never a timer per connection): a binary min-heap of (time, item) in two
 * parallel arrays, at most one entry per item (each item knows its place,
 * `heapIndex`). Moving a deadline earlier moves the entry up in place;
 * moving it later (or to Infinity) changes nothing in the heap: the entry
 * surfaces at its old time and is then moved down to the item's deadline,
 * or dropped (most moves are later ones: every ACK pushes the
 * retransmission timer back). `remove` takes an item's entry out at once,
 * so the heap never holds on to a connection the layer has let go of.
 * Nothing is allocated once the arrays have grown; the scheduler timer is
 * re-armed only when the earliest deadline moves earlier.
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

  /** Entries in the heap: items with a deadline, and ones whose deadline moved later or away since they were queued (for tests). */
  get size(): number {
    return this.times.length;
  }

  /** Sets `item`'s deadline (Infinity: none). */
  set(item: T, time: number): void {
    if (time === item.deadline) return;
    item.deadline = time;
    if (time >= item.queued) return; // its entry surfaces first, and is moved to the deadline (or dropped) then
    item.queued = time;
    const i = item.heapIndex;
    if (i < 0) this.push(time, item);
    else {
      this.times[i] = time;
      this.up(i, time, item);
    }
    if (!this.running && time < this.timerAt) this.arm(time);
  }

  /** Forgets `item`: no deadline, and no entry left in the heap that refers to it (nor a scheduler timer, once the heap is empty). */
  remove(item: T): void {
    item.deadline = Infinity;
    const i = item.heapIndex;
    if (i < 0) return;
    this.removeAt(i);
    if (this.times.length === 0 && this.timer !== null) {
      this.timer();
      this.timer = null;
      this.timerAt = Infinity;
    }
  }

  /** Drops every entry and the scheduler timer. */
  clear(): void {
    for (const item of this.items) {
      item.queued = Infinity;
      item.heapIndex = -1;
    }
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
    const t = this.times;
    this.running = true;
    try {
      // Items re-armed for `now` or earlier while we run are taken in this same pass, within a budget: an
      // item that keeps asking for a time already past yields to the scheduler (whose step limit then
      // reports the livelock) instead of spinning here forever.
      let budget = t.length * 2 + 1024;
      while (t.length > 0 && t[0]! <= now && budget-- > 0) {
        const item = this.items[0]!;
        const d = item.deadline;
        if (d > now) {
          // Moved later since it was queued: down the heap to its deadline, or out (Infinity).
          if (d === Infinity) this.removeAt(0);
          else {
            item.queued = d;
            t[0] = d;
            this.down(0, d, item);
          }
          continue;
        }
        this.removeAt(0);
        item.deadline = Infinity;
        this.due(item, now);
      }
    } finally {
      this.running = false;
      if (t.length > 0) this.arm(t[0]!);
    }
  }

  private push(time: number, item: T): void {
    const i = this.times.length;
    this.times.push(time);
    this.items.push(item);
    this.up(i, time, item);
  }

  /** Takes out the entry at `i` (its item is left with no entry). */
  private removeAt(i: number): void {
    const t = this.times;
    const it = this.items;
    const gone = it[i]!;
    gone.queued = Infinity;
    gone.heapIndex = -1;
    const lastTime = t.pop()!;
    const lastItem = it.pop()!;
    if (i === t.length) return;
    t[i] = lastTime;
    if (i > 0 && t[(i - 1) >> 1]! > lastTime) this.up(i, lastTime, lastItem);
    else this.down(i, lastTime, lastItem);
  }

  /** Moves (time, item), placed at `i`, up to where its parent is not later. */
  private up(i: number, time: number, item: T): void {
    const t = this.times;
    const it = this.items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (t[parent]! <= time) break;
      const p = it[parent]!;
      t[i] = t[parent]!;
      it[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    t[i] = time;
    it[i] = item;
    item.heapIndex = i;
  }

  /** Moves (time, item), placed at `i`, down to where no child is earlier. */
  private down(i: number, time: number, item: T): void {
    const t = this.times;
    const it = this.items;
    const n = t.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && t[c + 1]! < t[c]!) c++;
      if (t[c]! >= time) break;
      const child = it[c]!;
      t[i] = t[c]!;
      it[i] = child;
      child.heapIndex = i;
      i = c;
    }
    t[i] = time;
    it[i] = item;
    item.heapIndex = i;
  }
}

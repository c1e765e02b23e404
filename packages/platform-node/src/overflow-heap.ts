import { entryBefore, EntryState, type TimerEntry } from './timer-entry.js';

/**
 * A binary min-heap of timer entries ordered by (time, seq): where deadlines
 * too far for the wheel wait until the wheel's window reaches them.
 * Cancellation is lazy (the entry's `fn` becomes null); `noteCancelled`
 * compacts the heap once cancelled entries make up more than half of it.
 */
export class OverflowHeap {
  private items: TimerEntry[] = [];
  private cancelled = 0;

  /** Entries held, cancelled ones included. */
  get size(): number {
    return this.items.length;
  }

  /** Live (not cancelled) entries held. */
  get live(): number {
    return this.items.length - this.cancelled;
  }

  push(e: TimerEntry): void {
    e.state = EntryState.Overflow;
    const h = this.items;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!entryBefore(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  /** The earliest live entry, dropping cancelled ones on the way. */
  peek(): TimerEntry | undefined {
    while (this.items.length > 0 && this.items[0]!.fn === null) {
      this.popRaw();
      this.cancelled--;
    }
    return this.items[0];
  }

  /** Removes and returns the earliest live entry. */
  pop(): TimerEntry | undefined {
    return this.peek() === undefined ? undefined : this.popRaw();
  }

  /** Records that an entry in the heap was cancelled (its fn set to null). */
  noteCancelled(): void {
    this.cancelled++;
    if (this.cancelled > 64 && this.cancelled * 2 > this.items.length) this.compact();
  }

  /** Drops everything; `visit` sees each live entry first. */
  clear(visit?: (e: TimerEntry) => void): void {
    if (visit) for (const e of this.items) if (e.fn !== null) visit(e);
    this.items = [];
    this.cancelled = 0;
  }

  private compact(): void {
    const live = this.items.filter((e) => e.fn !== null);
    this.items = [];
    this.cancelled = 0;
    for (const e of live) this.push(e);
  }

  private popRaw(): TimerEntry {
    const h = this.items;
    const top = h[0]!;
    const last = h.pop()!;
    const n = h.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && entryBefore(h[r]!, h[l]!) ? r : l;
        if (!entryBefore(h[m]!, last)) break;
        h[i] = h[m]!;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}

import { EntryState, type TimerEntry } from './timer-entry.js';
import { OverflowHeap } from './overflow-heap.js';

/**
 * A hashed timer wheel (Varghese and Lauck, "Hashed and Hierarchical Timing
 * Wheels", SOSP 1987, scheme 6) with an overflow heap, and no clock of its own:
 * the owner says which tick it is.
 *
 * `cursor` is the last tick already processed. An entry for tick t with
 * cursor < t <= cursor + slots sits in slot `t & mask`; within that window
 * every slot holds entries of exactly one tick, so a slot never needs
 * rounds counted. Later deadlines wait in the overflow heap and move into
 * the wheel as the cursor advances. A bitmap of non-empty slots finds the
 * next deadline in at most slots/32 word reads.
 */
export class TimerWheel {
  readonly slots: number;
  private readonly mask: number;
  private readonly heads: (TimerEntry | null)[];
  private readonly tails: (TimerEntry | null)[];
  private readonly bits: Uint32Array;
  private readonly overflow = new OverflowHeap();
  private wheelCount = 0;
  /** The last tick processed: entries must have tick > cursor. */
  cursor: number;

  constructor(slots: number, startTick: number) {
    this.slots = slots;
    this.mask = slots - 1;
    this.heads = new Array<TimerEntry | null>(slots).fill(null);
    this.tails = new Array<TimerEntry | null>(slots).fill(null);
    this.bits = new Uint32Array((slots + 31) >>> 5);
    this.cursor = startTick;
  }

  /** Live entries linked into wheel slots. */
  get inWheel(): number {
    return this.wheelCount;
  }

  /** Live entries waiting in the overflow heap. */
  get inOverflow(): number {
    return this.overflow.live;
  }

  /** Adds `e` (with `e.tick > cursor`) to its slot, or to the overflow heap when beyond the window. */
  insert(e: TimerEntry): void {
    if (e.tick - this.cursor > this.slots) {
      this.overflow.push(e);
      return;
    }
    const s = e.tick & this.mask;
    const tail = this.tails[s]!;
    e.state = EntryState.Wheel;
    e.prev = tail;
    e.next = null;
    if (tail === null) {
      this.heads[s] = e;
      this.bits[s >>> 5]! |= 1 << (s & 31);
    } else {
      tail.next = e;
    }
    this.tails[s] = e;
    this.wheelCount++;
  }

  /** Takes a cancelled entry out (its `fn` already set to null by the caller). */
  remove(e: TimerEntry): void {
    if (e.state === EntryState.Wheel) {
      const s = e.tick & this.mask;
      if (e.prev === null) this.heads[s] = e.next;
      else e.prev.next = e.next;
      if (e.next === null) this.tails[s] = e.prev;
      else e.next.prev = e.prev;
      if (this.heads[s] === null) this.bits[s >>> 5]! &= ~(1 << (s & 31));
      e.prev = e.next = null;
      this.wheelCount--;
    } else if (e.state === EntryState.Overflow) {
      this.overflow.noteCancelled();
    }
    e.state = EntryState.Done;
  }

  /**
   * Moves the cursor to `nowTick` and appends every entry due by then to
   * `due` (state Due), in tick order; the caller sorts by (time, seq).
   * Overflow entries whose tick has come into the new window move into the wheel.
   */
  advance(nowTick: number, due: TimerEntry[]): void {
    if (nowTick <= this.cursor) return;
    const steps = Math.min(nowTick - this.cursor, this.slots);
    for (let i = 1; i <= steps && this.wheelCount > 0; i++) {
      const s = (this.cursor + i) & this.mask;
      let e = this.heads[s] ?? null;
      if (e === null) continue;
      this.heads[s] = this.tails[s] = null;
      this.bits[s >>> 5]! &= ~(1 << (s & 31));
      while (e !== null) {
        const next: TimerEntry | null = e.next;
        e.prev = e.next = null;
        e.state = EntryState.Due;
        due.push(e);
        this.wheelCount--;
        e = next;
      }
    }
    this.cursor = nowTick;
    this.pullOverflow(due);
  }

  /**
   * Moves the cursor forward to `tick` without anything becoming due: only
   * allowed when the wheel is empty and the overflow holds nothing at or
   * before `tick` (then there is nothing to process in between).
   */
  fastForward(tick: number): void {
    if (tick <= this.cursor || this.wheelCount > 0) return;
    const top = this.overflow.peek();
    this.cursor = top === undefined ? tick : Math.min(tick, top.tick - 1);
    this.pullOverflow(null);
  }

  /** The tick of the earliest pending entry, or undefined when there is none. */
  nextTick(): number | undefined {
    if (this.wheelCount > 0) {
      const start = (this.cursor + 1) & this.mask;
      const words = this.bits.length;
      let w = start >>> 5;
      let word = this.bits[w]! & (~0 << (start & 31));
      for (let n = 0; n <= words; n++) {
        if (word !== 0) {
          const s = (w << 5) | (31 - Math.clz32(word & -word));
          return this.cursor + 1 + ((s - start + this.slots) & this.mask);
        }
        w = (w + 1) % words;
        word = this.bits[w]!;
      }
    }
    return this.overflow.peek()?.tick;
  }

  /** Drops every entry; `visit` sees each live one first. */
  clear(visit: (e: TimerEntry) => void): void {
    for (let s = 0; s < this.slots; s++) {
      let e = this.heads[s] ?? null;
      while (e !== null) {
        const next: TimerEntry | null = e.next;
        e.prev = e.next = null;
        visit(e);
        e = next;
      }
      this.heads[s] = this.tails[s] = null;
    }
    this.bits.fill(0);
    this.wheelCount = 0;
    this.overflow.clear(visit);
  }

  /** Moves overflow entries that entered the window into the wheel (or into `due` when already due). */
  private pullOverflow(due: TimerEntry[] | null): void {
    const horizon = this.cursor + this.slots;
    for (;;) {
      const top = this.overflow.peek();
      if (top === undefined || top.tick > horizon) return;
      this.overflow.pop();
      if (top.tick <= this.cursor && due !== null) {
        top.state = EntryState.Due;
        due.push(top);
      } else {
        this.insert(top);
      }
    }
  }
}

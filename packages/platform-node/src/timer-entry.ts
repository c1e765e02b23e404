/** Where a timer entry currently lives. */
export const EntryState = {
  /** Ran, was cancelled, or was dropped by close(). */
  Done: 0,
  /** Linked into a wheel slot. */
  Wheel: 1,
  /** In the overflow heap (deadline beyond the wheel's window). */
  Overflow: 2,
  /** Taken out of the wheel and about to run in the current batch. */
  Due: 3,
} as const;
/** One of `EntryState`. */
export type EntryState = (typeof EntryState)[keyof typeof EntryState];

/** One scheduled callback, linked into a wheel slot or held by the overflow heap. */
export class TimerEntry {
  /** Absolute deadline in ms (scheduler time) as requested; the sort key. */
  time: number;
  /** The wheel tick this entry fires at: ceil(time / tickMs), at least one past the wheel's cursor. */
  tick: number;
  /** Insertion order, for running same-time callbacks first-scheduled first. */
  seq: number;
  /** The callback; null once it ran or was cancelled. */
  fn: (() => void) | null;
  state: EntryState = EntryState.Done;
  /** Slot list links (only while state is Wheel). */
  prev: TimerEntry | null = null;
  next: TimerEntry | null = null;

  constructor(time: number, tick: number, seq: number, fn: () => void) {
    this.time = time;
    this.tick = tick;
    this.seq = seq;
    this.fn = fn;
  }
}

/** Orders entries by (time, seq): the order callbacks must run in. */
export function entryBefore(a: TimerEntry, b: TimerEntry): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** Comparator form of `entryBefore`, for Array.prototype.sort. */
export function compareEntries(a: TimerEntry, b: TimerEntry): number {
  return a.time - b.time || a.seq - b.seq;
}

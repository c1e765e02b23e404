import type { Cancel, Scheduler } from '@stack/interfaces';

interface Timer {
  time: number;
  /** Insertion order: timers due at the same time run first-scheduled first. */
  seq: number;
  fn: (() => void) | null;
}

/** Options for running virtual time. */
export interface RunOptions {
  /** Stop after this many callbacks (default 10 million): guards against a livelock. */
  maxSteps?: number;
}

/** Options of `runUntilSettled`. */
export interface SettleOptions extends RunOptions {
  /**
   * Lets the host's event loop turn between callbacks, for code under test
   * that defers work with `process.nextTick` (Node streams do): chained
   * promise jobs alone never let the nextTick queue run. Pass
   * `() => new Promise((r) => setImmediate(r))`. Virtual time is unaffected
   * (nothing advances it but this scheduler); it only costs wall time.
   */
  hostYield?: () => Promise<void>;
}

/**
 * Virtual time behind the Scheduler contract (DESIGN.md, "Determinism").
 * Nothing happens until the test runs time forward; then callbacks fire in
 * (time, order scheduled) order, and `now()` jumps straight to the next one.
 * A binary heap keeps `at` and each step O(log n).
 */
export class SimScheduler implements Scheduler {
  private heap: Timer[] = [];
  private seqCounter = 0;
  private live = 0;
  private current: number;
  /** Callbacks run so far. */
  steps = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  at(time: number, fn: () => void): Cancel {
    if (!Number.isFinite(time)) throw new RangeError(`SimScheduler.at: time must be finite, got ${time}`);
    const timer: Timer = { time: time < this.current ? this.current : time, seq: this.seqCounter++, fn };
    this.push(timer);
    this.live++;
    return () => {
      if (timer.fn !== null) {
        timer.fn = null;
        this.live--;
      }
    };
  }

  /** Schedules `fn` after `delay` ms. */
  after(delay: number, fn: () => void): Cancel {
    return this.at(this.current + delay, fn);
  }

  pending(): number {
    return this.live;
  }

  /** Time of the next live callback, or undefined when none is pending. */
  nextTime(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.time;
  }

  /** Runs the next due callback, advancing time to it. False when nothing is pending. */
  step(): boolean {
    this.dropCancelled();
    const timer = this.pop();
    if (!timer) return false;
    this.current = timer.time;
    const fn = timer.fn!;
    timer.fn = null;
    this.live--;
    this.steps++;
    fn();
    return true;
  }

  /** Runs until nothing is pending. Returns the number of callbacks run. Throws if `maxSteps` is hit. */
  runUntilIdle(options: RunOptions = {}): number {
    const max = options.maxSteps ?? 10_000_000;
    let n = 0;
    while (this.step()) {
      if (++n >= max) throw new Error(`SimScheduler.runUntilIdle: still busy after ${n} steps at t=${this.current} ms (livelock?)`);
    }
    return n;
  }

  /** Runs every callback due within the next `ms` milliseconds, then sets time to now + ms. */
  runFor(ms: number, options: RunOptions = {}): number {
    return this.runUntilTime(this.current + ms, options);
  }

  /** Runs every callback due at or before `time`, then sets time to `time`. */
  runUntilTime(time: number, options: RunOptions = {}): number {
    const max = options.maxSteps ?? 10_000_000;
    let n = 0;
    for (;;) {
      const next = this.nextTime();
      if (next === undefined || next > time) break;
      this.step();
      if (++n >= max) throw new Error(`SimScheduler.runUntilTime: still busy after ${n} steps at t=${this.current} ms`);
    }
    if (time > this.current) this.current = time;
    return n;
  }

  /**
   * Runs until `done()` is true (checked after every callback) or time passes
   * `deadline`. Returns whether `done()` became true.
   */
  runUntil(done: () => boolean, deadline = Infinity, options: RunOptions = {}): boolean {
    const max = options.maxSteps ?? 10_000_000;
    let n = 0;
    while (!done()) {
      const next = this.nextTime();
      if (next === undefined || next > deadline) return done();
      this.step();
      if (++n >= max) throw new Error(`SimScheduler.runUntil: still busy after ${n} steps at t=${this.current} ms`);
    }
    return true;
  }

  /**
   * Runs virtual time until `promise` settles (with real microtasks drained
   * between callbacks, so async code that awaits timers makes progress).
   */
  async runUntilSettled<T>(promise: Promise<T>, deadline = Infinity, options: SettleOptions = {}): Promise<T> {
    const hostYield = options.hostYield;
    const max = options.maxSteps ?? 10_000_000;
    let settled = false;
    promise.then(
      () => { settled = true; },
      () => { settled = true; },
    );
    let n = 0;
    for (;;) {
      await drainMicrotasks();
      if (hostYield !== undefined) await hostYield();
      if (settled) return promise;
      const next = this.nextTime();
      if (next === undefined || next > deadline) {
        throw new Error(
          `SimScheduler.runUntilSettled: promise still pending at t=${this.current} ms with ${next === undefined ? 'nothing scheduled' : 'the deadline passed'}` +
            (hostYield === undefined ? ' (code that waits on process.nextTick, such as Node streams, needs the hostYield option)' : ''),
        );
      }
      this.step();
      if (++n >= max) throw new Error(`SimScheduler.runUntilSettled: still busy after ${n} steps`);
    }
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.fn === null) this.pop();
  }

  private less(a: Timer, b: Timer): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Timer | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Lets pending promise reactions run (several rounds, for chains of awaits). */
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 32; i++) await Promise.resolve();
}

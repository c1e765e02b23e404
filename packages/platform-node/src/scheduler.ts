import { StackError, type Cancel, type Scheduler } from '@stack/interfaces';
import { resolveSchedulerOptions, type NodeSchedulerConfig, type NodeSchedulerOptions } from './config.js';
import type { HostTimer } from './host.js';
import { compareEntries, entryBefore, EntryState, TimerEntry } from './timer-entry.js';
import { TimerWheel } from './timer-wheel.js';

/** A snapshot of a NodeScheduler's state, as plain JSON. */
export interface NodeSchedulerInfo {
  /** Callbacks scheduled and not yet run or cancelled. */
  pending: number;
  /** Of those, how many sit in wheel slots. */
  inWheel: number;
  /** Of those, how many wait in the overflow heap (deadline beyond slots * tickMs). */
  inOverflow: number;
  /** Whether the one host timer is armed. */
  timerArmed: boolean;
  /** Tick the host timer is armed for (undefined when not armed). */
  armedTick: number | undefined;
  /** The wheel's cursor: the last tick processed. */
  cursor: number;
  tickMs: number;
  slots: number;
  closed: boolean;
}

/**
 * Real time behind the Scheduler contract (DESIGN.md, "Contracts"): a
 * monotonic clock (performance.now() relative to construction) and ONE
 * hashed timer wheel driven by a single Node timer armed for the earliest
 * non-empty slot, never one setTimeout per callback.
 *
 * Callbacks run no earlier than their time and at most about one tick
 * (`tickMs`, default 1 ms) plus event-loop delay later, in order of their
 * time and, for equal times, in the order they were scheduled (a time that
 * had already passed keeps its place in that order, and runs on the next
 * turn of the wheel, never synchronously inside `at`). One that throws is
 * reported to `onError` and the others still run. `close()` cancels
 * everything and clears the Node timer. With `unref: true` the timer does
 * not keep the process alive.
 */
export class NodeScheduler implements Scheduler {
  /** The resolved options. */
  readonly config: NodeSchedulerConfig;
  private readonly origin: number;
  private readonly tickMs: number;
  private readonly wheel: TimerWheel;
  private readonly due: TimerEntry[] = [];
  private readonly onTimer = (): void => this.fire();
  private timer: HostTimer | null = null;
  private armedTick = 0;
  private live = 0;
  private seq = 0;
  private running = false;
  private closed = false;

  constructor(options: NodeSchedulerOptions = {}) {
    this.config = resolveSchedulerOptions(options);
    this.tickMs = this.config.tickMs;
    this.origin = this.config.host.now();
    this.wheel = new TimerWheel(this.config.slots, 0);
  }

  /** Milliseconds since this scheduler was created (monotonic, fractional). */
  now(): number {
    return this.config.host.now() - this.origin;
  }

  /**
   * Runs `fn` once at `time` (ms, same origin as `now()`), or as soon as
   * possible when that has passed. Throws StackError ERR_INVALID_ARGUMENT for
   * a time that is not finite and ERR_CLOSED after `close()`.
   */
  at(time: number, fn: () => void): Cancel {
    if (this.closed) throw new StackError('ERR_CLOSED', 'NodeScheduler.at: the scheduler is closed');
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `NodeScheduler.at: time must be a finite number of ms, got ${String(time)}`);
    }
    if (typeof fn !== 'function') throw new StackError('ERR_INVALID_ARGUMENT', 'NodeScheduler.at: fn must be a function');
    const wheel = this.wheel;
    // The clock is read only when the wheel is idle (to let its cursor catch up) and when arming.
    if (wheel.inWheel === 0 && !this.running) wheel.fastForward(Math.floor(this.now() / this.tickMs));
    // A past time keeps its value as the sort key (so it runs before later
    // deadlines still waiting) but goes into the next tick the wheel processes.
    const ceil = Math.ceil(time / this.tickMs);
    const entry = new TimerEntry(time, ceil > wheel.cursor ? ceil : wheel.cursor + 1, this.seq++, fn);
    wheel.insert(entry);
    this.live++;
    if (!this.running && (this.timer === null || entry.tick < this.armedTick)) this.arm();
    return () => this.cancel(entry);
  }

  /** Runs `fn` after `delay` ms: `at(now() + delay, fn)`. */
  after(delay: number, fn: () => void): Cancel {
    return this.at(this.now() + delay, fn);
  }

  /** How many callbacks are scheduled and not yet run or cancelled. */
  pending(): number {
    return this.live;
  }

  /** A snapshot of the wheel, for `inspect()` output and tests. */
  inspect(): NodeSchedulerInfo {
    return {
      pending: this.live,
      inWheel: this.wheel.inWheel,
      inOverflow: this.wheel.inOverflow,
      timerArmed: this.timer !== null,
      armedTick: this.timer === null ? undefined : this.armedTick,
      cursor: this.wheel.cursor,
      tickMs: this.tickMs,
      slots: this.wheel.slots,
      closed: this.closed,
    };
  }

  /** Cancels every pending callback and clears the Node timer. Idempotent; `at()` throws afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.disarm();
    const drop = (e: TimerEntry): void => {
      e.fn = null;
      e.state = EntryState.Done;
    };
    this.wheel.clear(drop);
    for (const e of this.due) drop(e);
    this.live = 0;
  }

  /** `using scheduler = new NodeScheduler()` closes it at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  private cancel(e: TimerEntry): void {
    if (e.fn === null) return;
    e.fn = null;
    this.live--;
    if (e.state !== EntryState.Due) this.wheel.remove(e);
    e.state = EntryState.Done;
    // Nothing left: let go of the host timer (and with it of the event loop).
    if (this.live === 0 && !this.running) this.disarm();
  }

  /** The host timer fired: run everything due, then re-arm for the earliest remaining slot. */
  private fire(): void {
    this.timer = null;
    if (this.closed) return;
    const due = this.due;
    this.running = true;
    try {
      this.wheel.advance(Math.floor(this.now() / this.tickMs), due);
      if (due.length > 1 && !isSorted(due)) due.sort(compareEntries);
      for (let i = 0; i < due.length && !this.closed; i++) {
        const e = due[i]!;
        const fn = e.fn;
        if (fn === null) continue;
        e.fn = null;
        e.state = EntryState.Done;
        this.live--;
        try {
          fn();
        } catch (error) {
          this.report(error);
        }
      }
    } finally {
      due.length = 0;
      this.running = false;
    }
    if (!this.closed) this.arm();
  }

  private report(error: unknown): void {
    try {
      this.config.onError(error);
    } catch (again) {
      queueMicrotask(() => {
        throw again;
      });
    }
  }

  /** (Re)arms the one host timer for the earliest pending tick, or clears it when nothing is pending. */
  private arm(): void {
    const next = this.live === 0 ? undefined : this.wheel.nextTick();
    if (next === undefined) {
      this.disarm();
      return;
    }
    if (this.timer !== null) {
      if (next >= this.armedTick) return; // fires early at worst, then re-arms
      this.config.host.clearTimeout(this.timer);
    }
    const delay = Math.min(Math.max(Math.ceil(next * this.tickMs - this.now()), 0), 0x7fffffff);
    this.armedTick = next;
    this.timer = this.config.host.setTimeout(this.onTimer, delay);
    if (this.config.unref) this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== null) {
      this.config.host.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}

function isSorted(a: readonly TimerEntry[]): boolean {
  for (let i = 1; i < a.length; i++) if (entryBefore(a[i]!, a[i - 1]!)) return false;
  return true;
}

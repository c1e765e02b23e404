import type { HostTimer, TimerHost } from '../src/host.js';

/** A fake host timer: fires when the fake clock reaches `at`. */
export interface FakeTimer extends HostTimer {
  at: number;
  fn: () => void;
  unrefed: boolean;
}

/**
 * A TimerHost whose clock only moves when the test says so, and which
 * records every timer the scheduler asks for: how many exist at once
 * (`maxActive`) and how many were ever created.
 */
export class FakeHost implements TimerHost {
  t: number;
  readonly active = new Set<FakeTimer>();
  maxActive = 0;
  created = 0;

  constructor(start = 1000.25) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): FakeTimer {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`bad delay ${ms}`);
    const timer: FakeTimer = {
      // Node waits at least 1 ms and counts whole milliseconds.
      at: this.t + Math.max(1, Math.ceil(ms)),
      fn,
      unrefed: false,
      unref() {
        this.unrefed = true;
        return this;
      },
    };
    this.active.add(timer);
    this.created++;
    this.maxActive = Math.max(this.maxActive, this.active.size);
    return timer;
  }

  clearTimeout(timer: HostTimer): void {
    this.active.delete(timer as FakeTimer);
  }

  /** Moves the clock forward by `ms`, firing timers on time, one by one, like an idle event loop. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let first: FakeTimer | undefined;
      for (const x of this.active) if (first === undefined || x.at < first.at) first = x;
      if (first === undefined || first.at > end) break;
      this.t = Math.max(this.t, first.at);
      this.active.delete(first);
      first.fn();
    }
    this.t = end;
  }

  /** Jumps the clock by `ms` first and only then fires what is due: an event loop that was blocked. */
  stall(ms: number): void {
    this.t += ms;
    this.advance(0);
  }
}

/** A handle the host returns for its one timer; Node's `Timeout` is one. */
export interface HostTimer {
  /** Lets the process exit while only this timer is pending. */
  unref(): unknown;
}

/**
 * What `NodeScheduler` needs from its host: a monotonic clock and one-shot
 * timers. The default is Node's (`performance.now`, `setTimeout`); tests and
 * embedders may hand in their own to drive the wheel by hand.
 */
export interface TimerHost {
  /** Monotonic milliseconds from any origin (fractions allowed). */
  now(): number;
  /** Calls `fn` once after about `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): HostTimer;
  /** Cancels a timer returned by `setTimeout`; a no-op when it already ran. */
  clearTimeout(timer: HostTimer): void;
}

/** Node's clock and timers: `performance.now()` and the global `setTimeout`. */
export const nodeTimerHost: TimerHost = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

/** Cancels a scheduled callback. Calling it twice, or after the callback ran, does nothing. */
export type Cancel = () => void;

/**
 * Monotonic time and timers, handed to every layer (DESIGN.md, "Contracts").
 *
 * Time is in milliseconds from an arbitrary origin and never goes backwards.
 * `@stack/sim` gives virtual time; `@stack/platform-node` gives real time with
 * one timer wheel. Protocol cores never read the host clock themselves.
 */
export interface Scheduler {
  /** The current time in milliseconds. */
  now(): number;
  /**
   * Runs `fn` once at absolute time `time` (ms, same origin as `now()`), or as
   * soon as possible if that time has passed. Callbacks due at the same time
   * run in the order they were scheduled.
   */
  at(time: number, fn: () => void): Cancel;
  /** How many callbacks are scheduled and not yet run or cancelled. */
  pending(): number;
}

/**
 * A source of random bits, handed in like time: seeded in simulation,
 * cryptographic in Node (`@stack/platform-node`).
 */
export interface Random {
  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number;
  /** Fills `bytes` with random bytes. */
  fill(bytes: Uint8Array): void;
}

// Time for the iperf3 endpoints: a Scheduler (virtual in simulations) or,
// by default, the host's clock; and the process's CPU use, which iperf3
// reports in its results.
import { performance } from 'node:perf_hooks';
import type { Cancel, Scheduler } from '@stack/interfaces';

/** What the iperf3 code needs of time: a Scheduler's `now` and `at` (ms). */
export type Iperf3Clock = Pick<Scheduler, 'now' | 'at'>;

/** The host's monotonic clock and timers (the default outside simulations). */
export const hostClock: Iperf3Clock = {
  now: () => performance.now(),
  at(time: number, fn: () => void): Cancel {
    const timer = setTimeout(fn, Math.max(0, time - performance.now()));
    return () => clearTimeout(timer);
  },
};

/** A wait on `clock` that `cancel()` ends early (resolving false); resolves true when the time came. */
export interface Wait {
  readonly done: Promise<boolean>;
  cancel(): void;
}

/** Waits until `time` (ms on `clock`). */
export function waitUntil(clock: Iperf3Clock, time: number): Wait {
  let settle!: (fired: boolean) => void;
  const done = new Promise<boolean>((resolve) => (settle = resolve));
  const stop = clock.at(time, () => settle(true));
  return {
    done,
    cancel() {
      stop();
      settle(false);
    },
  };
}

/** CPU use of this process over an interval, as iperf3's cpu_util reports it (percent of wall time). */
export interface CpuUtil {
  readonly total: number;
  readonly user: number;
  readonly system: number;
}

/** Starts measuring this process's CPU use; the function returns the use since the start. */
export function cpuMeter(): () => CpuUtil {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const d = process.cpuUsage(cpu0);
    const wallUs = Math.max(1, (performance.now() - t0) * 1000);
    const user = (100 * d.user) / wallUs;
    const system = (100 * d.system) / wallUs;
    return { total: user + system, user, system };
  };
}

/** Waits for `promise`, at most `ms` on `clock`; true when it settled in time. Leaves no timer behind. */
export async function within(promise: Promise<unknown>, clock: Iperf3Clock, ms: number): Promise<boolean> {
  const wait = waitUntil(clock, clock.now() + ms);
  const settled = promise.then(
    () => true,
    () => true,
  );
  const inTime = await Promise.race([settled, wait.done.then(() => false)]);
  wait.cancel();
  return inTime;
}

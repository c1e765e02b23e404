import { StackError } from '@stack/interfaces';
import { nodeTimerHost, type TimerHost } from './host.js';

/** Options of `NodeScheduler`; every field has a default (see `SCHEDULER_DEFAULTS`). */
export interface NodeSchedulerOptions {
  /** Wheel resolution in milliseconds: callbacks run at most this late (default 1). */
  tickMs?: number;
  /** Wheel slots, a power of two from 16 to 65536 (default 1024): deadlines within `slots * tickMs` go straight into the wheel, later ones wait in an overflow heap. */
  slots?: number;
  /** Unref the one Node timer so pending callbacks alone do not keep the process alive (default false). */
  unref?: boolean;
  /** Called with whatever a callback throws; the wheel keeps running. Default: rethrow asynchronously with `queueMicrotask`, so it surfaces as an uncaught exception. */
  onError?: (error: unknown) => void;
  /** Clock and timers to use (default `nodeTimerHost`: performance.now and setTimeout). */
  host?: TimerHost;
}

/** The resolved options of a `NodeScheduler`. */
export interface NodeSchedulerConfig {
  readonly tickMs: number;
  readonly slots: number;
  readonly unref: boolean;
  readonly onError: (error: unknown) => void;
  readonly host: TimerHost;
}

/** Rethrows `error` on a fresh microtask: the default `onError`. */
export function rethrowAsync(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Defaults of `NodeSchedulerOptions`. */
export const SCHEDULER_DEFAULTS: NodeSchedulerConfig = Object.freeze({
  tickMs: 1,
  slots: 1024,
  unref: false,
  onError: rethrowAsync,
  host: nodeTimerHost,
});

/** Fills in defaults and validates; throws StackError('ERR_INVALID_CONFIG') saying what is allowed. */
export function resolveSchedulerOptions(options: NodeSchedulerOptions = {}): NodeSchedulerConfig {
  const c = { ...SCHEDULER_DEFAULTS, ...definedOnly(options) };
  if (!(typeof c.tickMs === 'number' && Number.isFinite(c.tickMs) && c.tickMs > 0 && c.tickMs <= 1000)) {
    throw new StackError('ERR_INVALID_CONFIG', `NodeScheduler: tickMs must be a number in (0, 1000] ms, got ${String(c.tickMs)}`);
  }
  if (!(Number.isInteger(c.slots) && c.slots >= 16 && c.slots <= 65536 && (c.slots & (c.slots - 1)) === 0)) {
    throw new StackError('ERR_INVALID_CONFIG', `NodeScheduler: slots must be a power of two from 16 to 65536, got ${String(c.slots)}`);
  }
  if (typeof c.unref !== 'boolean') {
    throw new StackError('ERR_INVALID_CONFIG', `NodeScheduler: unref must be a boolean, got ${typeof c.unref}`);
  }
  if (typeof c.onError !== 'function') {
    throw new StackError('ERR_INVALID_CONFIG', 'NodeScheduler: onError must be a function (error) => void');
  }
  const h = c.host;
  if (typeof h?.now !== 'function' || typeof h.setTimeout !== 'function' || typeof h.clearTimeout !== 'function') {
    throw new StackError('ERR_INVALID_CONFIG', 'NodeScheduler: host must have now(), setTimeout(fn, ms) and clearTimeout(timer)');
  }
  return Object.freeze(c);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

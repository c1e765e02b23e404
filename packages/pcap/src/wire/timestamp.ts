import { StackError } from '@stack/interfaces';

// Timestamps arrive as milliseconds (a float: the simulation's virtual time)
// and leave as integers in the file's resolution. The arithmetic is exact for
// every representable input: no wall clock, no BigInt, same bytes on every
// machine.

/** Resolution of written timestamps: microseconds or nanoseconds. */
export type TimestampResolution = 'us' | 'ns';

/** Ticks per second of a resolution. */
export function ticksPerSecond(resolution: TimestampResolution): number {
  return resolution === 'ns' ? 1_000_000_000 : 1_000_000;
}

/** Whole seconds and the fraction in ticks; filled by `splitTimestamp`. */
export interface SplitTime {
  sec: number;
  frac: number;
}

const MAX_SECONDS = 0xffff_ffff;

/**
 * Splits `timeMs` into whole seconds and ticks of `1/ticks` s, rounding to the
 * nearest tick. Throws ERR_INVALID_ARGUMENT for a negative, non-finite or
 * too-large time (seconds must fit 32 bits).
 */
export function splitTimestamp(timeMs: number, ticks: number, out: SplitTime): SplitTime {
  if (!(timeMs >= 0) || !Number.isFinite(timeMs) || timeMs / 1000 >= MAX_SECONDS) {
    throw new StackError('ERR_INVALID_ARGUMENT', `packet time must be a finite number of ms in 0..2^32 s, got ${timeMs}`);
  }
  let sec = Math.floor(timeMs / 1000);
  let frac = Math.round((timeMs - sec * 1000) * (ticks / 1000));
  if (frac >= ticks) {
    sec += 1;
    frac -= ticks;
  }
  out.sec = sec;
  out.frac = frac;
  return out;
}

/** High and low 32-bit words of a 64-bit tick count; filled by `toTicks64`. */
export interface Ticks64 {
  high: number;
  low: number;
}

/**
 * `sec * ticks + frac` as two 32-bit words, exactly (sec < 2^32, ticks < 2^31):
 * the product is built from 16-bit halves so no intermediate passes 2^53.
 */
export function toTicks64(sec: number, frac: number, ticks: number, out: Ticks64): Ticks64 {
  const a = Math.floor(sec / 0x1_0000);
  const b = sec % 0x1_0000;
  const x = a * ticks; // < 2^47
  const lowSum = (x % 0x1_0000) * 0x1_0000 + b * ticks + frac; // < 2^49
  out.high = Math.floor(x / 0x1_0000) + Math.floor(lowSum / 0x1_0000_0000);
  out.low = lowSum % 0x1_0000_0000;
  return out;
}

/**
 * Milliseconds of a 64-bit tick count `high:low` at `ticks` per second. Exact
 * long division in 16-bit steps while `ticks` < 2^36 (every decimal
 * resolution up to 10^-10 and binary up to 2^-36); beyond that, a float.
 */
export function ticks64ToMs(high: number, low: number, ticks: number): number {
  if (ticks > 2 ** 36) return ((high * 0x1_0000_0000 + low) / ticks) * 1000;
  const hq = Math.floor(high / ticks);
  let rem = high % ticks;
  rem = rem * 0x1_0000 + (low >>> 16);
  const q1 = Math.floor(rem / ticks);
  rem %= ticks;
  rem = rem * 0x1_0000 + (low & 0xffff);
  const q2 = Math.floor(rem / ticks);
  rem %= ticks;
  const sec = hq * 0x1_0000_0000 + q1 * 0x1_0000 + q2;
  return sec * 1000 + (rem * 1000) / ticks;
}

/** Milliseconds of a (seconds, fraction) pair at `ticks` per second. */
export function secFracToMs(sec: number, frac: number, ticks: number): number {
  return sec * 1000 + (frac * 1000) / ticks;
}

/**
 * Ticks per second of a pcapng if_tsresol byte: top bit clear → 10^-n s,
 * set → 2^-n s (pcapng draft §4.2). Undefined when it cannot be represented
 * (n too large), which the reader reports as unsupported.
 */
export function tsresolTicks(tsresol: number): number | undefined {
  const n = tsresol & 0x7f;
  const ticks = (tsresol & 0x80) !== 0 ? 2 ** n : 10 ** n;
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

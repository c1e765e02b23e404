import { StackError } from '@stack/interfaces';

// Validation shared by every factory of this package: a bad option throws
// StackError('ERR_INVALID_CONFIG') naming the option, what it got and what is
// allowed (DESIGN.md, "State is explicit").

/** Defaults of memory links (and of hub and bridge ports). */
export const LINK_DEFAULTS = Object.freeze({
  /** Largest Ethernet payload, bytes. */
  mtu: 1500,
  /** One-way propagation delay, ms (10 µs: a short cable and a NIC). */
  latency: 0.01,
  /** Bits per second; Infinity: no serialization delay. */
  bandwidth: Infinity,
  /** Bytes per direction not yet serialized (the frame on the wire included) before frames are dropped; only with a bandwidth. */
  queueLimit: 1_048_576,
} as const);

/** Defaults of learning bridges. */
export const BRIDGE_DEFAULTS = Object.freeze({
  /** How long a learned MAC stays in the table without being seen, ms (IEEE 802.1D default 300 s). */
  agingTime: 300_000,
  /** Most MACs learned at once. */
  maxEntries: 4096,
} as const);

/** Throws ERR_INVALID_CONFIG: `${where}: ${what} must be ${allowed}, got ${value}`. */
export function invalid(where: string, what: string, allowed: string, value: unknown): never {
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new StackError('ERR_INVALID_CONFIG', `${where}: ${what} must be ${allowed}, got ${shown}`);
}

/**
 * A number in min..max (finite unless `infinite` allows Infinity), or the
 * default when undefined.
 */
export function numberOption(
  where: string,
  what: string,
  value: unknown,
  dflt: number,
  min: number,
  limits: { max?: number; infinite?: boolean } = {},
): number {
  if (value === undefined) return dflt;
  const max = limits.max ?? Infinity;
  const ok = typeof value === 'number' && value >= min && value <= max && (Number.isFinite(value) || limits.infinite === true);
  if (!ok) {
    const range = max === Infinity ? `>= ${min}` : `in ${min}..${max}`;
    invalid(where, what, `a ${limits.infinite === true ? '' : 'finite '}number ${range}`, value);
  }
  return value;
}

/** An integer in min..max, or the default when undefined. */
export function intOption(where: string, what: string, value: unknown, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(where, what, `an integer in ${min}..${max}`, value);
  }
  return value;
}

/** A MAC address (integer 0..2^48-1), or the default when undefined. */
export function macOption(where: string, what: string, value: unknown, dflt: number): number {
  return intOption(where, what, value, dflt, 0, 0xffff_ffff_ffff);
}

/** Throws when `obj` has a key not in `allowed`: catches typos like `lose: 0.1`. */
export function checkKeys(where: string, obj: object, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) invalid(where, `option "${key}"`, `one of ${allowed.join(', ')}`, key);
  }
}

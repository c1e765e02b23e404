import { StackError, type IcmpConfig } from '@stack/interfaces';

/** An IcmpConfig with every field filled in: what the layer runs with. */
export type ResolvedIcmpConfig = Required<IcmpConfig>;

/** Defaults of the ICMP layer (documented in @stack/interfaces' IcmpConfig and the README). */
export const ICMP_DEFAULTS: Readonly<ResolvedIcmpConfig> = Object.freeze({
  replyToEcho: true,
  replyToBroadcastEcho: false,
  errorBurst: 10,
  errorsPerSecond: 10,
  pingTimeout: 1_000,
  maxOutstandingPings: 1_024,
});

function invalid(message: string): never {
  throw new StackError('ERR_INVALID_CONFIG', `icmp: ${message}`);
}

function boolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') invalid(`${name} must be true or false, got ${String(value)}`);
  return value;
}

/**
 * Fills in defaults and validates an IcmpConfig. Throws
 * StackError('ERR_INVALID_CONFIG') naming the field and what is allowed.
 */
export function resolveIcmpConfig(config: IcmpConfig = {}): ResolvedIcmpConfig {
  for (const key of Object.keys(config)) {
    if (!(key in ICMP_DEFAULTS)) invalid(`unknown option "${key}" (known: ${Object.keys(ICMP_DEFAULTS).join(', ')})`);
  }
  const c = { ...ICMP_DEFAULTS, ...stripUndefined(config) };
  boolean('replyToEcho', c.replyToEcho);
  boolean('replyToBroadcastEcho', c.replyToBroadcastEcho);
  if (!Number.isInteger(c.errorBurst) || c.errorBurst < 0) {
    invalid(`errorBurst must be an integer >= 0 (0 sends no errors), got ${c.errorBurst}`);
  }
  if (!Number.isFinite(c.errorsPerSecond) || c.errorsPerSecond < 0) {
    invalid(`errorsPerSecond must be a finite number >= 0, got ${c.errorsPerSecond}`);
  }
  if (!Number.isFinite(c.pingTimeout) || c.pingTimeout <= 0) {
    invalid(`pingTimeout must be a finite number of ms > 0, got ${c.pingTimeout}`);
  }
  if (!Number.isInteger(c.maxOutstandingPings) || c.maxOutstandingPings < 1 || c.maxOutstandingPings > 65_535) {
    invalid(`maxOutstandingPings must be an integer 1..65535 (sequence numbers are 16 bits), got ${c.maxOutstandingPings}`);
  }
  return c;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

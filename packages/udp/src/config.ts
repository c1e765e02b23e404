import { StackError, type UdpConfig } from '@stack/interfaces';

/** A UdpConfig with every field filled in: what the layer runs with. */
export type ResolvedUdpConfig = Required<UdpConfig>;

/** Defaults of the UDP layer (documented in @stack/interfaces' UdpConfig and the README). */
export const UDP_DEFAULTS: Readonly<ResolvedUdpConfig> = Object.freeze({
  ephemeralMin: 49_152,
  ephemeralMax: 65_535,
  sendChecksum: true,
  portUnreachable: true,
});

function invalid(message: string): never {
  throw new StackError('ERR_INVALID_CONFIG', `udp: ${message}`);
}

/**
 * Fills in defaults and validates a UdpConfig. Throws
 * StackError('ERR_INVALID_CONFIG') naming the field and what is allowed.
 */
export function resolveUdpConfig(config: UdpConfig = {}): ResolvedUdpConfig {
  const c: ResolvedUdpConfig = { ...UDP_DEFAULTS };
  for (const [key, value] of Object.entries(config)) {
    if (!(key in UDP_DEFAULTS)) invalid(`unknown option "${key}" (known: ${Object.keys(UDP_DEFAULTS).join(', ')})`);
    if (value !== undefined) (c as Record<string, unknown>)[key] = value;
  }
  for (const key of ['ephemeralMin', 'ephemeralMax'] as const) {
    const v = c[key];
    if (!Number.isInteger(v) || v < 1 || v > 65_535) invalid(`${key} must be an integer 1..65535, got ${String(v)}`);
  }
  if (c.ephemeralMin > c.ephemeralMax) {
    invalid(`ephemeralMin (${c.ephemeralMin}) must not exceed ephemeralMax (${c.ephemeralMax})`);
  }
  for (const key of ['sendChecksum', 'portUnreachable'] as const) {
    if (typeof c[key] !== 'boolean') invalid(`${key} must be true or false, got ${String(c[key])}`);
  }
  return c;
}

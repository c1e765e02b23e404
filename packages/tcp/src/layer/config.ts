import { StackError } from '@stack/interfaces';
import { TCP_DEFAULTS, resolveTcpConfig, type ResolvedTcpConfig, type TcpConfig } from '../config.js';

/** What `synCookies` may be: when the layer answers SYNs statelessly (RFC 4987 §3.6). */
export type SynCookieMode = 'auto' | 'always' | 'never';

/**
 * Tunables of the TCP layer (DESIGN.md, "State is explicit"): everything a
 * connection takes (`TcpConfig`, the defaults of every connection) plus
 * what belongs to the layer: ports, listen queues, limits.
 */
export interface TcpLayerConfig extends TcpConfig {
  /** Lowest ephemeral port (RFC 6056 §2.1; default 49152, the IANA dynamic range). */
  ephemeralMin?: number;
  /** Highest ephemeral port (default 65535). */
  ephemeralMax?: number;
  /** Accept queue of a listener when `listen` names none: established connections not yet handed over (default 511, Node's). */
  backlog?: number;
  /**
   * Half-open connections (SYN received, SYN-ACK sent) a listener holds at
   * most, its SYN queue (default 1024, like Linux's tcp_max_syn_backlog).
   * When it is full, SYN cookies answer (see `synCookies`), or SYNs are dropped.
   */
  synBacklog?: number;
  /**
   * SYN cookies (RFC 4987 §3.6): 'auto' (the default, as Linux's
   * tcp_syncookies=1) answers statelessly only while a listener's SYN queue
   * is full; 'always' answers every SYN so; 'never' drops SYNs a full
   * queue cannot take.
   */
  synCookies?: SynCookieMode;
  /** Connections the layer holds at most, in any state but LISTEN, TIME-WAIT included (default 262144). */
  maxConnections?: number;
  /** Send RST for segments that match no connection or listener (RFC 9293 §3.10.7.1; default true). */
  sendResets?: boolean;
}

/** The layer's own part of a resolved config. */
export interface ResolvedTcpLayerOptions {
  readonly ephemeralMin: number;
  readonly ephemeralMax: number;
  readonly backlog: number;
  readonly synBacklog: number;
  readonly synCookies: SynCookieMode;
  readonly maxConnections: number;
  readonly sendResets: boolean;
}

/** A TcpLayerConfig with every field filled in. */
export type ResolvedTcpLayerConfig = ResolvedTcpConfig & ResolvedTcpLayerOptions;

/** Defaults of the layer's own fields (connection defaults are `TCP_DEFAULTS`). */
export const TCP_LAYER_DEFAULTS: ResolvedTcpLayerOptions = Object.freeze({
  ephemeralMin: 49_152,
  ephemeralMax: 65_535,
  backlog: 511,
  synBacklog: 1_024,
  synCookies: 'auto',
  maxConnections: 262_144,
  sendResets: true,
});

const MODES: readonly SynCookieMode[] = ['auto', 'always', 'never'];

function invalid(message: string): never {
  throw new StackError('ERR_INVALID_CONFIG', `tcp: ${message}`);
}

function integer(key: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(`${key} must be an integer ${min}..${max}, got ${String(v)}`);
  return v;
}

/**
 * Fills in defaults and validates a TcpLayerConfig; the connection part goes
 * through `resolveTcpConfig`. Throws StackError('ERR_INVALID_CONFIG') naming
 * the field and what is allowed, also for an unknown key.
 */
export function resolveTcpLayerConfig(config: TcpLayerConfig = {}): ResolvedTcpLayerConfig {
  const own: Record<string, unknown> = { ...TCP_LAYER_DEFAULTS };
  const conn: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key in TCP_LAYER_DEFAULTS) {
      if (value !== undefined) own[key] = value;
    } else if (key in TCP_DEFAULTS) conn[key] = value;
    else invalid(`unknown option "${key}" (known: ${[...Object.keys(TCP_DEFAULTS), ...Object.keys(TCP_LAYER_DEFAULTS)].join(', ')})`);
  }
  const min = integer('ephemeralMin', own.ephemeralMin, 1, 65_535);
  const max = integer('ephemeralMax', own.ephemeralMax, 1, 65_535);
  if (min > max) invalid(`ephemeralMin (${min}) must not exceed ephemeralMax (${max})`);
  integer('backlog', own.backlog, 0, 1_000_000);
  integer('synBacklog', own.synBacklog, 0, 10_000_000);
  integer('maxConnections', own.maxConnections, 1, 100_000_000);
  if (!MODES.includes(own.synCookies as SynCookieMode)) invalid(`synCookies must be one of 'auto', 'always', 'never', got ${String(own.synCookies)}`);
  if (typeof own.sendResets !== 'boolean') invalid(`sendResets must be true or false, got ${String(own.sendResets)}`);
  return Object.freeze({ ...resolveTcpConfig(conn as TcpConfig), ...(own as unknown as ResolvedTcpLayerOptions) });
}

/** The connection part of a resolved layer config, as `TcpConnection` takes it. */
export function connectionConfig(config: ResolvedTcpLayerConfig): ResolvedTcpConfig {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(TCP_DEFAULTS)) out[key] = (config as unknown as Record<string, unknown>)[key];
  return Object.freeze(out) as unknown as ResolvedTcpConfig;
}

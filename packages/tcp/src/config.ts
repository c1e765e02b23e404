import { StackError } from '@stack/interfaces';
import type { CongestionAlgorithm } from './engine/congestion/index.js';

/**
 * Tunables of one TCP connection (DESIGN.md, "State is explicit"). Every
 * field is optional on input; `resolveTcpConfig` fills in `TCP_DEFAULTS`
 * and rejects what is out of range. Times are milliseconds.
 *
 * Only what the engine implements is here: knobs for later features
 * (backlog, SYN cookies...) join when the features do.
 */
export interface TcpConfig {
  /**
   * The MSS we announce in our SYN (RFC 9293 §3.7.1): the largest segment
   * data we accept, IP and TCP headers excluded (default 1460, Ethernet).
   * Also caps what we send, beside the peer's MSS. 64..65495.
   */
  mss?: number;
  /** Send buffer size in bytes: data accepted by `send()` until acknowledged (default 65536). */
  sendBufferSize?: number;
  /** Receive buffer size in bytes; the advertised window is its free space (default 65536). */
  recvBufferSize?: number;
  /**
   * Offer window scaling (RFC 7323 §2); used only when the peer offers it
   * too (default true). The shift we offer is the smallest that lets the
   * 16-bit window field cover `recvBufferSize` (as Linux derives it from
   * its buffer limit): 1 for the default 64 KiB.
   */
  windowScaling?: boolean;
  /** Offer timestamps (RFC 7323 §3) for RTT measurement and PAWS; used only when both offer (default true). */
  timestamps?: boolean;
  /** Offer SACK-permitted (RFC 2018 §2); used only when both offer (default true). */
  sack?: boolean;
  /** Retransmission timeout before the first RTT sample (RFC 6298 §2.1; default 1000). */
  rtoInitial?: number;
  /** Lower bound of the RTO (RFC 6298 §2.4 says 1 s; default 200, Linux's TCP_RTO_MIN). */
  rtoMin?: number;
  /** Upper bound of the RTO, backoff included (RFC 6298 §2.5; default 120000, Linux's TCP_RTO_MAX). */
  rtoMax?: number;
  /** Retransmissions of a SYN or SYN-ACK before the connection fails with 'timeout' (default 6, Linux's tcp_syn_retries). */
  synRetries?: number;
  /** Retransmissions of data or FIN without progress before the connection fails with 'timeout' (default 15, Linux's tcp_retries2). */
  retries?: number;
  /** How long TIME-WAIT lasts (RFC 9293 §3.6: 2×MSL; default 60000, Linux's TCP_TIMEWAIT_LEN). */
  timeWait?: number;
  /** Challenge ACKs (RFC 5961 §7) sent per second per connection at most (default 10). */
  challengeAckLimit?: number;
  /**
   * Delayed ACKs (RFC 9293 §3.8.6.3, RFC 5681 §4.2): how long an ACK for
   * in-order data may wait for more data or a reply to ride on, in ms
   * (default 40, Linux's minimum; RFC 9293 requires < 500). An ACK still
   * goes at once for every second full-sized segment, out-of-order data, a
   * filled hole, a FIN or a window update. 0 acknowledges every segment at
   * once.
   */
  delayedAck?: number;
  /** Initial congestion window in segments (RFC 6928; default 10). */
  initialCwnd?: number;
  /**
   * Congestion control (RFC 5681): `'cubic'` (RFC 9438, the default) or
   * `'newreno'` (RFC 6582). `TcpOpenOptions.congestion` may instead hand a
   * connection its own `CongestionControl`.
   */
  congestion?: CongestionAlgorithm;
  /**
   * Out-of-order ranges held for reassembly beyond RCV.NXT (default 32;
   * 0 drops out-of-order data). The bytes live in the receive buffer, so
   * this bounds bookkeeping, not memory. They are also the SACK blocks we
   * send (RFC 2018 §4).
   */
  reassemblyRanges?: number;
  /**
   * Ranges of the SACK scoreboard (RFC 6675 §3): separate blocks of data
   * the peer SACKed that the sender remembers (default 64). When all are
   * taken, a lower block replaces the highest range (the holes nearest
   * SND.UNA matter most); a forgotten range only looks unSACKed again.
   */
  sackRanges?: number;
  /**
   * Turn Nagle's algorithm off (like TCP_NODELAY; default false). With it on
   * (RFC 896, RFC 9293 §3.7.4) a segment smaller than the MSS waits while
   * sent data is unacknowledged, so small writes coalesce. The connection's
   * `setNoDelay` changes it later.
   */
  noDelay?: boolean;
  /**
   * Send keepalive probes on an idle connection (RFC 1122 §4.2.3.6, like
   * SO_KEEPALIVE; default false). The connection's `setKeepalive` changes it later.
   */
  keepalive?: boolean;
  /** Idle time before the first keepalive probe, ms: nothing heard from the peer this long (default 7200000, Linux's tcp_keepalive_time; RFC 1122 asks ≥ 2 h). */
  keepaliveIdle?: number;
  /** Time between unanswered keepalive probes, ms (default 75000, Linux's tcp_keepalive_intvl). */
  keepaliveInterval?: number;
  /** Unanswered probes after which the connection fails with 'timeout' (default 9, Linux's tcp_keepalive_probes). */
  keepaliveCount?: number;
  /**
   * User timeout (RFC 9293 §3.8.3, RFC 5482 semantics, like Linux's
   * TCP_USER_TIMEOUT), ms: when sent data (or a FIN, or a zero-window probe)
   * stays unacknowledged this long with no progress, the connection fails
   * with 'timeout', however many retransmissions that is. 0 (the default):
   * none; only `retries` limits the retransmissions.
   */
  userTimeout?: number;
  /**
   * How long a connection the application has closed (`close()`) waits in
   * FIN-WAIT-2 for the peer's FIN before it ends with 'timeout', ms (default
   * 60000, Linux's tcp_fin_timeout). A connection only shut down for
   * sending waits as long as it takes.
   */
  finWait2Timeout?: number;
}

/** A TcpConfig with every field filled in: what a connection runs with. */
export type ResolvedTcpConfig = Readonly<Required<TcpConfig>>;

/** Defaults of a TCP connection (documented field by field in `TcpConfig` and the README). */
export const TCP_DEFAULTS: ResolvedTcpConfig = Object.freeze({
  mss: 1460,
  sendBufferSize: 65_536,
  recvBufferSize: 65_536,
  windowScaling: true,
  timestamps: true,
  sack: true,
  rtoInitial: 1_000,
  rtoMin: 200,
  rtoMax: 120_000,
  synRetries: 6,
  retries: 15,
  timeWait: 60_000,
  challengeAckLimit: 10,
  delayedAck: 40,
  initialCwnd: 10,
  congestion: 'cubic',
  reassemblyRanges: 32,
  sackRanges: 64,
  noDelay: false,
  keepalive: false,
  keepaliveIdle: 7_200_000,
  keepaliveInterval: 75_000,
  keepaliveCount: 9,
  userTimeout: 0,
  finWait2Timeout: 60_000,
});

/** The values `congestion` may take. */
const CONGESTION_ALGORITHMS: readonly CongestionAlgorithm[] = ['cubic', 'newreno'];

function invalid(message: string): never {
  throw new StackError('ERR_INVALID_CONFIG', `tcp: ${message}`);
}

/** Integer fields and their allowed ranges. */
const RANGES: { readonly [K in keyof TcpConfig]?: readonly [number, number] } = {
  mss: [64, 65_495],
  sendBufferSize: [1, 2 ** 30],
  recvBufferSize: [1, 2 ** 30],
  rtoInitial: [1, 3_600_000],
  rtoMin: [1, 3_600_000],
  rtoMax: [1, 3_600_000],
  synRetries: [0, 255],
  retries: [0, 255],
  timeWait: [0, 3_600_000],
  challengeAckLimit: [0, 1_000_000],
  delayedAck: [0, 499],
  initialCwnd: [1, 1_000],
  reassemblyRanges: [0, 1_024],
  sackRanges: [1, 4_096],
  keepaliveIdle: [1, 2_147_483_647],
  keepaliveInterval: [1, 2_147_483_647],
  keepaliveCount: [1, 255],
  userTimeout: [0, 2_147_483_647],
  finWait2Timeout: [0, 3_600_000],
};

/**
 * Fills in defaults and validates a TcpConfig. Throws
 * StackError('ERR_INVALID_CONFIG') naming the field and what is allowed:
 * for an unknown key, a value of the wrong type or out of range, or
 * `rtoMin ≤ rtoInitial ≤ rtoMax` not holding, or an unknown `congestion`.
 */
export function resolveTcpConfig(config: TcpConfig = {}): ResolvedTcpConfig {
  const c: Required<TcpConfig> = { ...TCP_DEFAULTS };
  for (const [key, value] of Object.entries(config)) {
    if (!(key in TCP_DEFAULTS)) invalid(`unknown option "${key}" (known: ${Object.keys(TCP_DEFAULTS).join(', ')})`);
    if (value !== undefined) (c as Record<string, unknown>)[key] = value;
  }
  for (const [key, [min, max]] of Object.entries(RANGES) as [keyof TcpConfig, readonly [number, number]][]) {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(`${key} must be an integer ${min}..${max}, got ${String(v)}`);
  }
  for (const key of ['windowScaling', 'timestamps', 'sack', 'noDelay', 'keepalive'] as const) {
    if (typeof c[key] !== 'boolean') invalid(`${key} must be true or false, got ${String(c[key])}`);
  }
  if (!CONGESTION_ALGORITHMS.includes(c.congestion)) {
    invalid(`congestion must be one of ${CONGESTION_ALGORITHMS.map((a) => `'${a}'`).join(', ')}, got ${String(c.congestion)}`);
  }
  if (!(c.rtoMin <= c.rtoInitial && c.rtoInitial <= c.rtoMax)) {
    invalid(`need rtoMin <= rtoInitial <= rtoMax, got ${c.rtoMin}, ${c.rtoInitial}, ${c.rtoMax}`);
  }
  return Object.freeze(c);
}

import { StackError, type Ipv4Address, type Ipv4Like } from '@stack/interfaces';
import { formatIpv4, ipv4 } from '@stack/wire';

/** 127.0.0.1: what `stack.address` is when the stack binds the unspecified address. */
export const LOOPBACK: Ipv4Address = 0x7f000001;

/**
 * TCP tunables of a socket stack. Names shared with `@stack/tcp`'s
 * `TcpLayerConfig` mean the same thing (`noDelay`, `keepalive`,
 * `keepaliveIdle`, `backlog`, `maxConnections`), so the common part of a
 * config carries over when an app switches `NET=direct|socket`. Everything
 * else (MSS, buffers, RTO, congestion control...) is the kernel's: set it
 * with sysctl.
 */
export interface SocketTcpConfig {
  /** Turn Nagle's algorithm off on every connection (TCP_NODELAY; default false, as the kernel and @stack/tcp). */
  noDelay?: boolean;
  /** Send keepalive probes on idle connections (SO_KEEPALIVE; default false). */
  keepalive?: boolean;
  /** Idle time before the first keepalive probe, ms, whole seconds (TCP_KEEPIDLE; default 7200000, Linux's tcp_keepalive_time). */
  keepaliveIdle?: number;
  /** Accept queue of a listener when `listen` names none, passed to listen(2) (default 511, Node's and @stack/tcp's). */
  backlog?: number;
  /** Connections the stack holds at most, accepted and connecting ones together (default 262144, as @stack/tcp). */
  maxConnections?: number;
  /** Default connect timeout, ms; 0 (the default): none of ours, the kernel gives up after its SYN retries (tcp_syn_retries). */
  connectTimeout?: number;
  /**
   * Bytes a flow reads from the kernel ahead of the application (default
   * 65536). When that many wait unread, the flow stops reading, the
   * kernel's receive buffer fills and TCP's window closes: the backpressure
   * toward the peer.
   */
  readBufferSize?: number;
}

/** UDP tunables of a socket stack. Ephemeral ports are the kernel's (net.ipv4.ip_local_port_range). */
export interface SocketUdpConfig {
  /** SO_RCVBUF of every bound socket, bytes; 0 (the default): the kernel's (net.core.rmem_default). */
  recvBufferSize?: number;
  /** SO_SNDBUF of every bound socket, bytes; 0 (the default): the kernel's (net.core.wmem_default). */
  sendBufferSize?: number;
}

/** What `createSocketStack` takes. Every field is optional. */
export interface SocketStackOptions {
  /** A name for logs and `inspect()` (default "socket"). */
  name?: string;
  /**
   * The local IPv4 address to bind (default "0.0.0.0": every address of the
   * host). Listeners and UDP sockets bind it; connects and sends leave from
   * it when it is a specific address (else the kernel picks the source).
   * `stack.address` is this address, or 127.0.0.1 when it is 0.0.0.0.
   */
  address?: Ipv4Like;
  tcp?: SocketTcpConfig;
  udp?: SocketUdpConfig;
}

/** The resolved TCP config: every field filled in. */
export type ResolvedSocketTcpConfig = Readonly<Required<SocketTcpConfig>>;
/** The resolved UDP config: every field filled in. */
export type ResolvedSocketUdpConfig = Readonly<Required<SocketUdpConfig>>;

/** The whole resolved config of a socket stack, as plain JSON (`stack.config`). */
export interface SocketStackConfig {
  readonly name: string;
  /** The bound address as text ("0.0.0.0" for every address). */
  readonly address: string;
  readonly tcp: ResolvedSocketTcpConfig;
  readonly udp: ResolvedSocketUdpConfig;
}

/** Defaults of the TCP part (see `SocketTcpConfig`). */
export const SOCKET_TCP_DEFAULTS: ResolvedSocketTcpConfig = Object.freeze({
  noDelay: false,
  keepalive: false,
  keepaliveIdle: 7_200_000,
  backlog: 511,
  maxConnections: 262_144,
  connectTimeout: 0,
  readBufferSize: 65_536,
});

/** Defaults of the UDP part (see `SocketUdpConfig`). */
export const SOCKET_UDP_DEFAULTS: ResolvedSocketUdpConfig = Object.freeze({
  recvBufferSize: 0,
  sendBufferSize: 0,
});

/** @stack/tcp and @stack/udp options the kernel's stack has no per-stack knob for: named in the error. */
const KERNEL_OWNED = new Set([
  'mss', 'sendBufferSize', 'recvBufferSize', 'windowScaling', 'timestamps', 'sack', 'rtoInitial', 'rtoMin', 'rtoMax',
  'synRetries', 'retries', 'timeWait', 'challengeAckLimit', 'delayedAck', 'initialCwnd', 'congestion', 'reassemblyRanges',
  'sackRanges', 'keepaliveInterval', 'keepaliveCount', 'userTimeout', 'finWait2Timeout', 'ephemeralMin', 'ephemeralMax',
  'synBacklog', 'synCookies', 'sendResets', 'sendChecksum', 'portUnreachable',
]);

function invalid(message: string): never {
  throw new StackError('ERR_INVALID_CONFIG', message);
}

function checkKeys(section: string, given: object, defaults: object): void {
  for (const key of Object.keys(given)) {
    if (key in defaults) continue;
    const known = Object.keys(defaults).join(', ');
    if (KERNEL_OWNED.has(key)) {
      invalid(`${section}: "${key}" is not a socket-stack option: the kernel's stack owns it (set it with sysctl); known: ${known}`);
    }
    invalid(`${section}: unknown option "${key}" (known: ${known})`);
  }
}

function int(section: string, key: string, v: unknown, min: number, max: number, note = ''): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    invalid(`${section}: ${key} must be an integer ${min}..${max}${note}, got ${String(v)}`);
  }
  return v;
}

function bool(section: string, key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') invalid(`${section}: ${key} must be true or false, got ${String(v)}`);
  return v;
}

function section<T extends object>(name: string, given: unknown, defaults: T): Record<string, unknown> {
  if (given === undefined) return { ...defaults } as Record<string, unknown>;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) invalid(`${name} must be an object, got ${String(given)}`);
  checkKeys(name, given, defaults);
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  return out;
}

/** Fills in defaults and validates the TCP part; throws ERR_INVALID_CONFIG naming the field and what is allowed. */
export function resolveSocketTcpConfig(config?: SocketTcpConfig): ResolvedSocketTcpConfig {
  const c = section('tcp', config, SOCKET_TCP_DEFAULTS);
  bool('tcp', 'noDelay', c.noDelay);
  bool('tcp', 'keepalive', c.keepalive);
  const idle = int('tcp', 'keepaliveIdle', c.keepaliveIdle, 1_000, 2_147_483_000, ' ms');
  if (idle % 1_000 !== 0) invalid(`tcp: keepaliveIdle must be whole seconds (the kernel's TCP_KEEPIDLE unit), got ${idle} ms`);
  int('tcp', 'backlog', c.backlog, 0, 1_000_000);
  int('tcp', 'maxConnections', c.maxConnections, 1, 100_000_000);
  int('tcp', 'connectTimeout', c.connectTimeout, 0, 2_147_483_647, ' ms (0: the kernel decides)');
  int('tcp', 'readBufferSize', c.readBufferSize, 1, 1 << 30, ' bytes');
  return Object.freeze(c) as unknown as ResolvedSocketTcpConfig;
}

/** Fills in defaults and validates the UDP part; throws ERR_INVALID_CONFIG naming the field and what is allowed. */
export function resolveSocketUdpConfig(config?: SocketUdpConfig): ResolvedSocketUdpConfig {
  const c = section('udp', config, SOCKET_UDP_DEFAULTS);
  int('udp', 'recvBufferSize', c.recvBufferSize, 0, 2_147_483_647, ' bytes (0: the kernel default)');
  int('udp', 'sendBufferSize', c.sendBufferSize, 0, 2_147_483_647, ' bytes (0: the kernel default)');
  return Object.freeze(c) as unknown as ResolvedSocketUdpConfig;
}

/** The resolved config plus the numbers a stack works with. */
export interface ResolvedSocketStack {
  readonly config: SocketStackConfig;
  /** The address to bind (0 = every address). */
  readonly bind: Ipv4Address;
  /** `stack.address`: the bound address, or 127.0.0.1 when that is 0.0.0.0. */
  readonly address: Ipv4Address;
}

const TOP_KEYS = { name: 0, address: 0, tcp: 0, udp: 0 };

/**
 * Validates `createSocketStack`'s options and fills in every default.
 * Throws StackError('ERR_INVALID_CONFIG') saying what is wrong and what is allowed.
 */
export function resolveSocketStackConfig(options: SocketStackOptions = {}): ResolvedSocketStack {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    invalid(`socket stack options must be an object like { name, address, tcp, udp }, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(key in TOP_KEYS)) invalid(`unknown option "${key}" (known: ${Object.keys(TOP_KEYS).join(', ')})`);
  }
  const name = options.name ?? 'socket';
  if (typeof name !== 'string' || name.length === 0) invalid(`name must be a non-empty string, got ${String(name)}`);
  let bind = 0;
  if (options.address !== undefined) {
    try {
      bind = ipv4(options.address);
    } catch (err) {
      invalid(`address: ${(err as Error).message}; a local IPv4 address to bind, or "0.0.0.0" for every address`);
    }
  }
  const config: SocketStackConfig = Object.freeze({
    name,
    address: formatIpv4(bind),
    tcp: resolveSocketTcpConfig(options.tcp),
    udp: resolveSocketUdpConfig(options.udp),
  });
  return { config, bind, address: bind === 0 ? LOOPBACK : bind };
}

import type { Endpoint, Ipv4Address } from './address.js';
import type { IpProtocolHandler } from './layers.js';
import type { Counters } from './stats.js';

/** What `Flow.read()` gives: bytes, the peer's FIN, or why the flow died. */
export type ReadResult =
  | { readonly data: Uint8Array; readonly eof?: undefined; readonly error?: undefined }
  | { readonly eof: true; readonly data?: undefined; readonly error?: undefined }
  | { readonly error: FlowError; readonly data?: undefined; readonly eof?: undefined };

/** How a flow can fail: values, never exceptions (DESIGN.md, "Errors"). */
export type FlowError = 'reset' | 'timeout' | 'aborted' | 'closed';

/** Why a connect did not give a flow. */
export type ConnectError = 'refused' | 'timeout' | 'unreachable' | 'reset';

/** The outcome of `write()`: null when the send buffer took the bytes, or the flow's error. */
export type WriteResult = FlowError | null;

/**
 * A TCP connection (MirageOS's FLOW). `write` resolves when the send buffer
 * accepted the bytes: that is the backpressure.
 */
export interface Flow extends AsyncDisposable {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** The next bytes, the peer's FIN, or an error. */
  read(): Promise<ReadResult>;
  write(data: Uint8Array): Promise<WriteResult>;
  /** Half close: sends FIN after the buffered bytes; reading goes on. */
  shutdown(): Promise<void>;
  /** Graceful close of both directions. */
  close(): Promise<void>;
  /** Resets the connection (RST) and drops buffers. */
  abort(): void;
}

export interface ListenOptions {
  /** Accept queue length (completed handshakes not yet handed to `onFlow`). */
  backlog?: number;
  /** Only accept connections to this local address (default: any of ours). */
  address?: Ipv4Address;
}

export interface ConnectOptions {
  /** Give up after this many ms. */
  timeout?: number;
  /** Local port (default ephemeral). */
  localPort?: number;
}

/** A listening TCP port. */
export interface Listener {
  readonly port: number;
  /**
   * Resolves once the port takes connections; rejects with a StackError
   * (ERR_PORT_IN_USE, ERR_INVALID_ARGUMENT) when it cannot be bound after
   * `listen` returned. A stack that binds inside `listen` (and throws there)
   * resolves it at once; the kernel's stack binds a tick later
   * (`@stack/stack-socket`). Await it before telling anyone the port is open.
   */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** The TCP part of a Stack. */
export interface StackTcp {
  listen(port: number, onFlow: (flow: Flow) => void, options?: ListenOptions): Listener;
  connect(
    dst: string | number,
    port: number,
    options?: ConnectOptions,
  ): Promise<{ flow: Flow; error?: undefined } | { error: ConnectError; flow?: undefined }>;
}

/** A connection as `inspect()` lists it (like one entry of `ss -ti`). */
export interface TcpConnectionSnapshot {
  readonly local: string;
  readonly remote: string;
  readonly state: string;
  readonly [field: string]: unknown;
}

/**
 * The TCP layer over an IpLayer (numbers for addresses). A Stack's `tcp`
 * wraps it, taking dotted quads too.
 */
export interface TcpLayer extends IpProtocolHandler {
  /** Listens on `port` (1..65535); `onFlow` gets every established connection. Throws ERR_PORT_IN_USE. */
  listen(port: number, onFlow: (flow: Flow) => void, options?: ListenOptions): Listener;
  /** Opens a connection; resolves with the flow once established, or why not (never rejects for network outcomes). */
  connect(dst: Ipv4Address, port: number, options?: ConnectOptions): Promise<{ flow: Flow; error?: undefined } | { error: ConnectError; flow?: undefined }>;
  /** Connections and listeners, for `inspect()`. */
  connections(): TcpConnectionSnapshot[];
  readonly stats: { rx: number; tx: number; dropped: Counters };
  /** Resets every connection, stops listening and cancels every timer. */
  close(): void;
}

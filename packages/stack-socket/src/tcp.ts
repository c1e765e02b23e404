import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import {
  StackError,
  type ConnectError, type ConnectOptions, type Counters, type Ipv4Address, type Ipv4Like, type Listener,
  type ListenOptions, type StackTcp,
} from '@stack/interfaces';
import { formatIpv4, ipv4 } from '@stack/wire';
import type { ResolvedSocketTcpConfig } from './config.js';
import { bindError, connectErrorOf, errnoOf, validPort } from './errno.js';
import { SocketFlow, type FlowOwner, type SocketFlowSnapshot } from './flow.js';
import { afterHandlesClosed } from './loop.js';

/** What `connect` resolves with. */
export type SocketConnectResult = { flow: SocketFlow; error?: undefined } | { error: ConnectError; flow?: undefined };

/**
 * Counters of a socket stack's TCP, named after @stack/tcp's (Linux's MIB)
 * where they mean the same. `dropped.connectionLimit`: connections accepted
 * by the kernel and reset at once because `maxConnections` was reached.
 * `errors`: every errno the kernel reported (connects, connections,
 * listeners), by name.
 */
export interface SocketTcpStats {
  activeOpens: number;
  passiveOpens: number;
  /** Connects that failed (refused, timeout, unreachable, reset). */
  attemptFails: number;
  /** Connections handed to the application that ended by a reset, either side's. */
  estabResets: number;
  /** `onFlow` threw: the flow was reset. */
  handlerErrors: number;
  dropped: Counters;
  errors: Counters;
}

/** A listener as `inspect()` lists it. */
export interface SocketListenerSnapshot {
  readonly local: string;
  readonly remote: '*';
  readonly state: 'LISTEN' | 'BINDING' | 'FAILED' | 'CLOSED';
  readonly backlog: number;
  /** Connections this listener handed to `onFlow`. */
  readonly accepted: number;
}

/**
 * A listening TCP port of a socket stack (`Listener`): the kernel's bind
 * happens a tick after `listen()` returns (Node resolves the address
 * first), so a port another process holds is only known through `ready`.
 */
export interface SocketListener extends Listener {
  /** The address it listens on (0: every address). */
  readonly address: Ipv4Address;
  readonly backlog: number;
  /**
   * Resolves once the kernel listens; rejects with StackError
   * ERR_PORT_IN_USE (EADDRINUSE: another process or stack holds the port)
   * or ERR_INVALID_ARGUMENT (EADDRNOTAVAIL, EACCES: not our address, a
   * privileged port). Not awaited, a rejection surfaces as an unhandled
   * rejection, as Node's own unhandled 'error' event would. Resolves too
   * when the listener is closed before the kernel bound it.
   */
  readonly ready: Promise<void>;
  /** Stops listening; connections already handed over live on. Resolves when the port is released. */
  close(): Promise<void>;
}

/** The TCP part of a socket stack: `StackTcp` with socket-stack flows and listeners. */
export interface SocketStackTcp extends StackTcp {
  listen(port: number, onFlow: (flow: SocketFlow) => void, options?: ListenOptions): SocketListener;
  connect(dst: Ipv4Like, port: number, options?: ConnectOptions): Promise<SocketConnectResult>;
}

/** A connect in progress. */
interface Connecting {
  readonly socket: Socket;
  /** Where to, as text (`10.0.0.1:80`). */
  readonly remote: string;
  readonly closed: Promise<void>;
  /** Ends it (the stack closes): resolves the connect with 'reset'. */
  cancel(): void;
}

class ListenerImpl implements SocketListener {
  state: 'binding' | 'listening' | 'failed' | 'closed' = 'binding';
  accepted = 0;
  readonly ready: Promise<void>;
  private readyNow: () => void = () => {};
  /** Resolves on the server's 'close' (its handle and connections are gone). */
  readonly serverClosed: Promise<void>;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly tcp: SocketTcp,
    readonly server: Server,
    readonly port: number,
    readonly address: Ipv4Address,
    readonly backlog: number,
    readonly onFlow: (flow: SocketFlow) => void,
  ) {
    this.serverClosed = new Promise((resolve) => server.once('close', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.readyNow = resolve;
      server.once('listening', () => {
        if (this.state === 'binding') this.state = 'listening';
        resolve();
      });
      server.on('error', (err: Error) => {
        const errno = errnoOf(err);
        this.tcp.countErrno(errno);
        if (this.state !== 'binding') return; // accept(2) errors (EMFILE...) while listening: counted
        this.state = 'failed';
        this.tcp.unlisten(this);
        server.close();
        reject(bindError('tcp: cannot listen on', errno, address, port, err));
      });
    });
  }

  close(): Promise<void> {
    if (this.closing === null) {
      if (this.state === 'binding') this.readyNow(); // closed before the kernel bound it: nothing left to wait for
      if (this.state !== 'failed') this.state = 'closed';
      this.tcp.unlisten(this);
      this.server.close();
      // The listening handle is released in the loop's next close phase; the server's own 'close'
      // waits for every connection, which (as with @stack/tcp) live on.
      this.closing = afterHandlesClosed();
    }
    return this.closing;
  }

  snapshot(): SocketListenerSnapshot {
    const state = this.state === 'listening' ? 'LISTEN' : this.state === 'binding' ? 'BINDING' : this.state === 'failed' ? 'FAILED' : 'CLOSED';
    return { local: `${formatIpv4(this.address)}:${this.port}`, remote: '*', state, backlog: this.backlog, accepted: this.accepted };
  }
}


/**
 * The TCP of a socket stack: listeners over `net.Server`, connects over
 * `net.connect`, every connection a `SocketFlow`. Not exported: the stack
 * hands out its `SocketStackTcp` face.
 */
export class SocketTcp implements SocketStackTcp, FlowOwner {
  readonly stats: SocketTcpStats = {
    activeOpens: 0, passiveOpens: 0, attemptFails: 0, estabResets: 0, handlerErrors: 0,
    dropped: { connectionLimit: 0 }, errors: {},
  };
  private readonly listeners = new Set<ListenerImpl>();
  private readonly flows = new Set<SocketFlow>();
  private readonly connecting = new Set<Connecting>();
  private closed = false;

  constructor(
    private readonly stackName: string,
    /** The stack's bound address (0: every address). */
    private readonly bind: Ipv4Address,
    readonly config: ResolvedSocketTcpConfig,
  ) {}

  private assertOpen(op: string): void {
    if (this.closed) throw new StackError('ERR_CLOSED', `${op}: the stack "${this.stackName}" is closed`);
  }

  /** Connections held now: flows not yet closed, and connects under way (what `maxConnections` bounds). */
  get connectionCount(): number {
    return this.flows.size + this.connecting.size;
  }

  // ---------------------------------------------------------------- listen

  listen(port: number, onFlow: (flow: SocketFlow) => void, options: ListenOptions = {}): SocketListener {
    this.assertOpen('tcp.listen');
    if (!validPort(port, 1)) throw new StackError('ERR_INVALID_ARGUMENT', `tcp: listen port must be an integer 1..65535, got ${String(port)}`);
    if (typeof onFlow !== 'function') throw new StackError('ERR_INVALID_ARGUMENT', 'tcp: listen needs an onFlow function');
    const backlog = options.backlog ?? this.config.backlog;
    if (!Number.isInteger(backlog) || backlog < 0 || backlog > 1_000_000) {
      throw new StackError('ERR_INVALID_ARGUMENT', `tcp: backlog must be an integer 0..1000000, got ${String(backlog)}`);
    }
    const address = this.localAddress(options.address, 'listen on');
    for (const l of this.listeners) {
      if (l.port === port && (l.address === 0 || address === 0 || l.address === address)) {
        throw new StackError('ERR_PORT_IN_USE', `tcp: port ${port} is already listening`);
      }
    }
    const server = createServer({
      allowHalfOpen: true,
      pauseOnConnect: true,
      noDelay: this.config.noDelay,
      keepAlive: this.config.keepalive,
      keepAliveInitialDelay: this.config.keepaliveIdle,
    });
    const l = new ListenerImpl(this, server, port, address, backlog, onFlow);
    server.on('connection', (socket: Socket) => this.accept(l, socket));
    this.listeners.add(l);
    // Node takes backlog 0 for "the default" (511); 1 is the nearest the kernel gets to 0.
    server.listen({ port, host: formatIpv4(address), backlog: Math.max(1, backlog), exclusive: true });
    return l;
  }

  /** A local address from options (a number), checked against the stack's: the bound one, or any when bound to 0.0.0.0. */
  private localAddress(given: Ipv4Address | undefined, what: string): Ipv4Address {
    if (given === undefined) return this.bind;
    let a: number;
    try {
      a = ipv4(given);
    } catch (err) {
      throw new StackError('ERR_INVALID_ARGUMENT', `tcp: ${what}: ${(err as Error).message}`, { cause: err });
    }
    if (this.bind !== 0 && a !== this.bind && a !== 0) {
      throw new StackError('ERR_INVALID_ARGUMENT', `tcp: cannot ${what} ${formatIpv4(a)}: the stack is bound to ${formatIpv4(this.bind)}`);
    }
    return a;
  }

  unlisten(l: ListenerImpl): void {
    this.listeners.delete(l);
  }

  private accept(l: ListenerImpl, socket: Socket): void {
    if (this.closed || l.state !== 'listening') {
      socket.destroy();
      return;
    }
    if (this.connectionCount >= this.config.maxConnections) {
      this.stats.dropped.connectionLimit = (this.stats.dropped.connectionLimit ?? 0) + 1;
      socket.on('error', () => {});
      socket.resetAndDestroy();
      return;
    }
    this.stats.passiveOpens++;
    l.accepted++;
    const flow = this.adopt(socket);
    try {
      l.onFlow(flow);
    } catch {
      this.stats.handlerErrors++;
      flow.abort();
    }
  }

  private adopt(socket: Socket): SocketFlow {
    const flow = new SocketFlow(socket, this, this.config.readBufferSize);
    this.flows.add(flow);
    return flow;
  }

  // --------------------------------------------------------------- connect

  connect(dst: Ipv4Like, port: number, options: ConnectOptions = {}): Promise<SocketConnectResult> {
    this.assertOpen('tcp.connect');
    let to: Ipv4Address;
    try {
      to = ipv4(dst);
    } catch (err) {
      throw new StackError('ERR_INVALID_ARGUMENT', `tcp: destination must be an IPv4 address, got ${String(dst)}`, { cause: err });
    }
    if (!validPort(port, 1)) throw new StackError('ERR_INVALID_ARGUMENT', `tcp: destination port must be an integer 1..65535, got ${String(port)}`);
    const timeout = options.timeout ?? (this.config.connectTimeout > 0 ? this.config.connectTimeout : undefined);
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0 && timeout <= 2_147_483_647)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `tcp: connect timeout must be a positive number of ms, got ${String(timeout)}`);
    }
    const localPort = options.localPort ?? 0;
    if (localPort !== 0) {
      if (!validPort(localPort, 1)) throw new StackError('ERR_INVALID_ARGUMENT', `tcp: localPort must be an integer 1..65535, got ${String(localPort)}`);
      for (const l of this.listeners) {
        if (l.port === localPort) throw new StackError('ERR_PORT_IN_USE', `tcp: local port ${localPort} is listening on this stack`);
      }
    }
    if (this.connectionCount >= this.config.maxConnections) {
      throw new StackError('ERR_LIMIT', `tcp: ${this.connectionCount} connections open, maxConnections is ${this.config.maxConnections}`);
    }
    this.stats.activeOpens++;
    const socket = netConnect({
      host: formatIpv4(to),
      port,
      allowHalfOpen: true,
      noDelay: this.config.noDelay,
      keepAlive: this.config.keepalive,
      keepAliveInitialDelay: this.config.keepaliveIdle,
      ...(this.bind !== 0 ? { localAddress: formatIpv4(this.bind) } : {}),
      ...(localPort !== 0 ? { localPort } : {}),
    });
    return new Promise<SocketConnectResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const closed = new Promise<void>((r) => socket.once('close', () => r()));
      const finish = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.connecting.delete(entry);
        socket.off('connect', onConnect);
        socket.off('error', onError);
      };
      const fail = (error: ConnectError): void => {
        finish();
        this.stats.attemptFails++;
        socket.destroy();
        resolve({ error });
      };
      const onConnect = (): void => {
        finish();
        resolve({ flow: this.adopt(socket) });
      };
      const onError = (err: Error): void => {
        const errno = errnoOf(err);
        this.countErrno(errno);
        if (errno === 'EADDRINUSE' || errno === 'EADDRNOTAVAIL') {
          // Misuse or exhaustion, not a network outcome: as @stack/tcp throws for these, the promise rejects.
          finish();
          this.stats.attemptFails++;
          socket.destroy();
          const from = `${this.bind === 0 ? '' : formatIpv4(this.bind)}:${localPort === 0 ? '*' : localPort}`;
          reject(
            errno === 'EADDRINUSE'
              ? new StackError('ERR_PORT_IN_USE', `tcp: local address ${from} is in use (EADDRINUSE)`, { cause: err })
              : localPort === 0 && this.bind === 0
                ? new StackError('ERR_NO_PORTS', `tcp: no ephemeral port left toward ${formatIpv4(to)}:${port} (EADDRNOTAVAIL)`, { cause: err })
                : new StackError('ERR_INVALID_ARGUMENT', `tcp: cannot connect from ${from}: not an address of this host (EADDRNOTAVAIL)`, { cause: err }),
          );
          return;
        }
        fail(connectErrorOf(errno));
      };
      const entry: Connecting = { socket, remote: `${formatIpv4(to)}:${port}`, closed, cancel: () => fail('reset') };
      this.connecting.add(entry);
      socket.once('connect', onConnect);
      socket.on('error', onError);
      if (timeout !== undefined) timer = setTimeout(() => fail('timeout'), timeout);
    });
  }

  // -------------------------------------------------------------- FlowOwner

  released(flow: SocketFlow): void {
    this.flows.delete(flow);
  }

  countReset(): void {
    this.stats.estabResets++;
  }

  countErrno(errno: string): void {
    this.stats.errors[errno] = (this.stats.errors[errno] ?? 0) + 1;
  }

  // ------------------------------------------------------- inspect, close

  /** Listeners, connects under way (SYN-SENT) and connections, like `ss -t`. */
  snapshot(): { listeners: SocketListenerSnapshot[]; connections: SocketFlowSnapshot[] } {
    const connecting = [...this.connecting].map((c): SocketFlowSnapshot => ({
      local: `${c.socket.localAddress ?? formatIpv4(this.bind)}:${c.socket.localPort ?? 0}`,
      remote: c.remote,
      state: 'SYN-SENT',
      bytesIn: 0,
      bytesOut: 0,
      readQueue: 0,
      readPaused: false,
      pending: { reads: 0, writes: 0, writeBytes: 0 },
      error: null,
    }));
    return {
      listeners: [...this.listeners].map((l) => l.snapshot()),
      connections: [...connecting, ...[...this.flows].map((f) => f.snapshot())],
    };
  }

  /**
   * Stops every listener, resets every connection (pending reads and
   * writes see 'aborted', as @stack/tcp's close does) and ends every
   * connect with 'reset'; resolves when every socket is closed.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waits: Promise<void>[] = [];
    for (const l of [...this.listeners]) {
      waits.push(l.serverClosed);
      void l.close();
    }
    for (const c of [...this.connecting]) {
      waits.push(c.closed);
      c.cancel();
    }
    for (const f of [...this.flows]) {
      waits.push(f.whenClosed);
      f.abort();
    }
    await Promise.all(waits);
  }
}


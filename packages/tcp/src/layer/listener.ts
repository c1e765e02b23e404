import type { Flow, Listener } from '@stack/interfaces';
import type { Conn } from './conn.js';

/** What a listener asks of its layer. */
export interface ListenerHost {
  unlisten(l: ListenerImpl): void;
  /** Hands a queued connection's flow to the application. */
  deliver(l: ListenerImpl, conn: Conn): void;
}

/**
 * A port in LISTEN (RFC 9293 §3.10.1 passive open) with Linux's two queues:
 * the SYN queue (half-open connections, bounded by the layer's
 * `synBacklog`; SYN cookies take over when it is full) and the accept queue
 * (established connections not yet handed to `onFlow`, bounded by
 * `backlog`). `onFlow` runs as soon as a handshake completes, so the accept
 * queue fills only while the listener is paused (`pause()`), the way an
 * application that stops calling accept() fills Linux's. When it is full,
 * new SYNs and the ACKs completing handshakes are dropped (Linux's
 * ListenOverflows), so clients retry instead of being refused.
 */
export class ListenerImpl implements Listener {
  /** Half-open connections (SYN-RECEIVED). */
  synQueue = 0;
  /** Established, waiting for `resume()`. */
  readonly acceptQueue: Conn[] = [];
  paused = false;
  closed = false;
  /** When this listener last answered a SYN with a cookie (-Infinity: never); ACKs are checked for cookies for two slots after. */
  cookiesAt = -Infinity;
  private closing: Promise<void> | null = null;
  /** Bound inside `listen` (which throws for a port in use): ready at once. */
  readonly ready: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: ListenerHost,
    readonly port: number,
    /** Local address it accepts connections to, or null for any of ours. */
    readonly address: number | null,
    readonly backlog: number,
    readonly onFlow: (flow: Flow) => void,
  ) {}

  /** True when the accept queue has no room. */
  get full(): boolean {
    return this.acceptQueue.length >= this.backlog;
  }

  /** Stops handing connections to `onFlow`; completed handshakes wait in the accept queue (up to `backlog`). */
  pause(): void {
    this.paused = true;
  }

  /** Hands the queued connections over, then every new one as it completes. */
  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    while (!this.paused && this.acceptQueue.length > 0) this.host.deliver(this, this.acceptQueue.shift()!);
  }

  /** Stops listening: queued and half-open connections are reset; connections already handed over live on. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.host.unlisten(this);
      this.closing = Promise.resolve();
    }
    return this.closing;
  }
}

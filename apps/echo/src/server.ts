import { echo } from '@stack/flow';
import type { Flow, Listener, Stack, UdpSocket } from '@stack/interfaces';

/** What the echo server counts (RFC 862 on TCP and UDP). */
export interface EchoCounters {
  /** TCP connections accepted, and open now. */
  accepted: number;
  open: number;
  /** Bytes echoed on TCP, summed over finished connections and those still open. */
  tcpBytes: number;
  /** Connections that ended in an error (reset, timeout) rather than the peer's FIN. */
  tcpErrors: number;
  /** Datagrams echoed, and those whose echo could not be sent. */
  udpEchoed: number;
  udpFailed: number;
}

/** A running echo server: its counters, and `close()`, which ends every connection. */
export interface EchoServer {
  readonly port: number;
  /** Resolves once the TCP port takes connections; rejects when it cannot be bound (`Listener.ready`). */
  readonly ready: Promise<void>;
  readonly counters: EchoCounters;
  /** Stops listening, closes every open connection (FIN; RST after `graceMs`), unbinds UDP. */
  close(graceMs?: number): Promise<void>;
}

/** Optional hooks for logs. */
export interface EchoEvents {
  onConnection?(flow: Flow): void;
  onEnd?(flow: Flow, bytes: number, error: string | null): void;
}

/**
 * Serves the Echo Protocol (RFC 862) on `port` of `stack`, TCP and UDP:
 * each TCP connection gets back every byte it sends, until its FIN (then
 * our FIN); each UDP datagram goes back to its sender. Works on any Stack:
 * `@stack/stack-direct` or `@stack/stack-socket`.
 */
export function serveEcho(stack: Stack, port: number, options: { backlog?: number | undefined } = {}, events: EchoEvents = {}): EchoServer {
  if (stack.tcp === undefined) throw new Error(`the stack "${stack.name}" has no TCP`);
  const counters: EchoCounters = { accepted: 0, open: 0, tcpBytes: 0, tcpErrors: 0, udpEchoed: 0, udpFailed: 0 };
  const flows = new Set<Flow>();
  const done = new Set<Promise<void>>();

  const listener: Listener = stack.tcp.listen(
    port,
    (flow) => {
      counters.accepted++;
      counters.open++;
      flows.add(flow);
      events.onConnection?.(flow);
      const p = echo(flow)
        .then(
          (r) => {
            counters.tcpBytes += r.bytes;
            if (r.error !== null) counters.tcpErrors++;
            events.onEnd?.(flow, r.bytes, r.error);
          },
          (err: unknown) => {
            // A write or read on a flow we closed during shutdown: not a fault of the peer.
            counters.tcpErrors++;
            events.onEnd?.(flow, 0, err instanceof Error ? err.message : String(err));
          },
        )
        .finally(() => {
          counters.open--;
          flows.delete(flow);
          done.delete(p);
        });
      done.add(p);
    },
    options.backlog === undefined ? {} : { backlog: options.backlog },
  );

  const udp: UdpSocket = stack.udp.bind(port, (d) => {
    if (udp.send(d.src, d.srcPort, d.data) === null) counters.udpEchoed++;
    else counters.udpFailed++;
  });

  let closing: Promise<void> | undefined;
  return {
    port,
    ready: listener.ready,
    counters,
    close(graceMs = 2_000): Promise<void> {
      closing ??= (async () => {
        await listener.close();
        udp.close();
        for (const f of flows) void f.close();
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        });
        await Promise.race([Promise.all(done), grace]);
        clearTimeout(timer);
        for (const f of flows) f.abort();
        await Promise.all(done);
      })();
      return closing;
    },
  };
}

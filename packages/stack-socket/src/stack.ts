import { StackError, type Ipv4Like, type PingOptions, type PingResult, type Stack, type StackIcmp } from '@stack/interfaces';
import { formatIpv4, ipv4 } from '@stack/wire';
import { resolveSocketStackConfig, type SocketStackConfig, type SocketStackOptions } from './config.js';
import type { SocketFlowSnapshot } from './flow.js';
import { afterHandlesClosed } from './loop.js';
import { SocketTcp, type SocketListenerSnapshot, type SocketStackTcp, type SocketTcpStats } from './tcp.js';
import { SocketUdp, type SocketStackUdp, type SocketUdpSnapshot, type SocketUdpStats } from './udp.js';

/** What `inspect()` of a socket stack returns: plain JSON, like `ss -tuan` for this stack's sockets. */
export type SocketStackSnapshot = {
  readonly name: string;
  /** `stack.address` as text. */
  readonly address: string;
  /** The address sockets bind ("0.0.0.0": every address). */
  readonly bind: string;
  readonly closed: boolean;
  readonly tcp: {
    readonly listeners: SocketListenerSnapshot[];
    /** Connections (SYN-SENT for connects under way), each with bytes in and out and its queues. */
    readonly connections: SocketFlowSnapshot[];
    readonly stats: SocketTcpStats;
  };
  readonly udp: { readonly sockets: SocketUdpSnapshot[]; readonly stats: SocketUdpStats };
  readonly icmp: { readonly supported: false; readonly pings: number };
};

/** A Stack over the kernel's TCP/IP (Node's `net` and `dgram`). */
export interface SocketStack extends Stack {
  readonly tcp: SocketStackTcp;
  readonly udp: SocketStackUdp;
  readonly config: SocketStackConfig;
  inspect(): SocketStackSnapshot;
  /** True once `close()` has begun. */
  readonly closed: boolean;
}

/**
 * Builds a `Stack` over the kernel's TCP/IP through Node's `node:net` and
 * `node:dgram`: the same contract `@stack/stack-direct` offers over
 * @stack's own stack, so an app runs on either (`NET=direct|socket`, as
 * MirageOS apps choose between stack-direct and stack-socket).
 *
 * ICMP needs raw sockets, which Node does not offer: `icmp.ping` resolves
 * `{ ok: false, error: 'unsupported' }`. Throws StackError
 * ERR_INVALID_CONFIG on bad options.
 *
 * ```ts
 * await using stack = createSocketStack({ address: '127.0.0.1' });
 * stack.tcp.listen(7007, (flow) => void echo(flow));
 * ```
 */
export function createSocketStack(options: SocketStackOptions = {}): SocketStack {
  const { config, bind, address } = resolveSocketStackConfig(options);
  const tcp = new SocketTcp(config.name, bind, config.tcp);
  const udp = new SocketUdp(config.name, bind, address, config.udp);
  let closed = false;
  let closing: Promise<void> | undefined;
  let pings = 0;

  const icmp: StackIcmp = {
    ping(dst: Ipv4Like, _options?: PingOptions): Promise<PingResult> {
      if (closed) throw new StackError('ERR_CLOSED', `icmp.ping: the stack "${config.name}" is closed`);
      ipv4(dst); // misuse still throws, as on stack-direct
      return Promise.resolve({ ok: false, error: 'unsupported', seq: pings++ & 0xffff });
    },
  };

  // The faces the application gets: the contract's methods only (the managers' close, stats... stay inside).
  const tcpFace: SocketStackTcp = {
    listen: (port, onFlow, listenOptions) => tcp.listen(port, onFlow, listenOptions),
    connect: (dst, port, connectOptions) => tcp.connect(dst, port, connectOptions),
  };
  const udpFace: SocketStackUdp = {
    bind: (port, handler, bindOptions) => udp.bind(port, handler, bindOptions),
    send: (dst, dstPort, data, sendOptions) => udp.send(dst, dstPort, data, sendOptions),
  };

  const stack: SocketStack = {
    name: config.name,
    address,
    config,
    tcp: tcpFace,
    udp: udpFace,
    icmp,
    get closed() {
      return closed;
    },
    inspect(): SocketStackSnapshot {
      const t = tcp.snapshot();
      return {
        name: config.name,
        address: formatIpv4(address),
        bind: config.address,
        closed,
        tcp: { listeners: t.listeners, connections: t.connections, stats: clone(tcp.stats) },
        udp: { sockets: udp.snapshot(), stats: clone(udp.stats) },
        icmp: { supported: false, pings },
      };
    },
    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        await Promise.all([tcp.close(), udp.close()]);
        await afterHandlesClosed();
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return stack.close();
    },
  };
  return stack;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

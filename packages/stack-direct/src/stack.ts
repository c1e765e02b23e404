import {
  StackError,
  type IcmpLayer,
  type Ipv4Address,
  type Ipv4Like,
  type NetDevice,
  type PingOptions,
  type PingResult,
  type Random,
  type Scheduler,
  type Stack,
  type UdpBindOptions,
  type UdpHandler,
  type UdpLayer,
  type UdpSendError,
  type UdpSocket,
  type StackTcp,
  type Flow,
  type ListenOptions,
  type ConnectOptions,
  type ConnectError,
} from '@stack/interfaces';
import { formatCidr, formatIpv4, formatMac, ipv4 } from '@stack/wire';
import { createEthernet, type Ethernet } from '@stack/ethif';
import { createArp, type Arp } from '@stack/arp';
import { createIpv4, type Ipv4Layer } from '@stack/ipv4';
import { createIcmp, resolveIcmpConfig } from '@stack/icmp';
import { createUdp, resolveUdpConfig } from '@stack/udp';
import { createTcp, type Tcp, type TcpFlow, type TcpListener } from '@stack/tcp';
import { toStackConfig, type DirectStackOptions } from './config.js';

/** What a direct stack needs from its platform: time and randomness. */
export interface DirectStackDeps {
  scheduler: Scheduler;
  random: Random;
}

/** The layers of a direct stack, for code that wants to reach below the Stack contract. */
export interface DirectStackLayers {
  readonly device: NetDevice;
  readonly ethernet: Ethernet;
  readonly arp: Arp;
  readonly ipv4: Ipv4Layer;
  readonly icmp: IcmpLayer;
  readonly udp: UdpLayer;
  readonly tcp: Tcp;
}

/** A Stack over a NetDevice, with its layers exposed. */
export interface DirectStack extends Stack {
  readonly layers: DirectStackLayers;
  /** Live state as plain JSON: device, ARP cache, routes, reassembly, sockets, counters. */
  inspect(): DirectStackSnapshot;
  /** True once `close()` has begun. */
  readonly closed: boolean;
  readonly tcp: DirectStackTcp;
}

/** The TCP part of a direct stack: the StackTcp contract, with @stack/tcp's richer flow and listener types. */
export interface DirectStackTcp extends StackTcp {
  listen(port: number, onFlow: (flow: TcpFlow) => void, options?: ListenOptions): TcpListener;
  connect(dst: Ipv4Like, port: number, options?: ConnectOptions): Promise<{ flow: TcpFlow; error?: undefined } | { error: ConnectError; flow?: undefined }>;
}

/**
 * Builds a whole stack (Ethernet, ARP, IPv4, ICMP, UDP, TCP) over `device` with a
 * static address: the composition root of MirageOS's stack-direct. The
 * device is owned by the stack from now on: `close()` closes it.
 *
 * ```ts
 * const stack = createDirectStack(device, { scheduler, random }, { address: '10.0.0.2/24' });
 * stack.udp.bind(7, (d) => stack.udp.send(d.src, d.srcPort, d.data, { srcPort: 7 }));
 * ```
 */
export function createDirectStack(device: NetDevice, deps: DirectStackDeps, options: DirectStackOptions): DirectStack {
  if (!deps || typeof deps.scheduler?.at !== 'function' || typeof deps.random?.u32 !== 'function') {
    throw new StackError('ERR_INVALID_ARGUMENT', 'createDirectStack needs deps { scheduler, random } (from @stack/sim or @stack/platform-node)');
  }
  const config = toStackConfig(options, device.name);
  const address = config.ipv4.address.address;

  const ethernet = createEthernet(device, { scheduler: deps.scheduler }, config.ethernet);
  const arp = createArp(ethernet, deps, { ...config.arp, address });
  const ip = createIpv4(ethernet, arp, deps, config.ipv4);
  const icmp = createIcmp(ip, deps, config.icmp);
  const udp = createUdp(ip, { ...deps, icmp }, config.udp);
  const tcp = createTcp(ip, deps, config.tcp);
  const layers: DirectStackLayers = { device, ethernet, arp, ipv4: ip, icmp, udp, tcp };

  // Sockets bound through the Stack API, so `udp.send(..., { srcPort })` can
  // send from a port the application owns.
  const boundHere = new Map<number, UdpSocket>();
  let closed = false;
  let closing: Promise<void> | undefined;

  const assertOpen = (op: string): void => {
    if (closed) throw new StackError('ERR_CLOSED', `${op}: the stack "${config.name}" is closed`);
  };

  const stack: DirectStack = {
    name: config.name,
    address,
    layers,
    get closed() {
      return closed;
    },
    // The whole resolved configuration, every default filled in, as plain
    // JSON with addresses as text.
    config: {
      name: config.name,
      device: { name: device.name, mac: formatMac(device.mac), mtu: device.mtu, capabilities: { ...device.capabilities } },
      ethernet: { ...ethernet.config, multicast: ethernet.config.multicast.map(formatMac) },
      arp: { ...arp.config, static: arp.config.static.map((e) => ({ ip: formatIpv4(e.ip), mac: formatMac(e.mac) })) },
      ipv4: {
        ...ip.config,
        address: formatCidr(ip.config.address),
        gateway: ip.config.gateway === null ? null : formatIpv4(ip.config.gateway),
      },
      icmp: resolveIcmpConfig(config.icmp),
      udp: resolveUdpConfig(config.udp),
      tcp: tcp.config,
    },
    udp: {
      bind(port: number, handler: UdpHandler, bindOptions?: UdpBindOptions): UdpSocket {
        assertOpen('udp.bind');
        const socket = udp.bind(port, handler, bindOptions);
        boundHere.set(socket.port, socket);
        const close = socket.close.bind(socket);
        return {
          get port() {
            return socket.port;
          },
          send: (dst, dstPort, data) => socket.send(dst, dstPort, data),
          write: (dst, dstPort, length, fill) => socket.write(dst, dstPort, length, fill),
          close() {
            if (boundHere.get(socket.port) === socket) boundHere.delete(socket.port);
            close();
          },
        };
      },
      send(dst: Ipv4Like, dstPort: number, data: Uint8Array, sendOptions?: { srcPort?: number }): UdpSendError | null {
        assertOpen('udp.send');
        const to = ipv4(dst);
        if (sendOptions?.srcPort !== undefined) {
          const socket = boundHere.get(sendOptions.srcPort);
          if (!socket) {
            throw new StackError('ERR_INVALID_ARGUMENT', `udp.send: srcPort ${sendOptions.srcPort} is not bound on this stack; bind it with stack.udp.bind first, or omit srcPort`);
          }
          return socket.send(to, dstPort, data);
        }
        // A fresh RFC 6056 ephemeral port per send, as an unconnected query
        // wants (a fixed one would let an off-path attacker aim replies at it).
        // Nothing listens on it: to hear replies, bind a socket instead.
        const socket = udp.bind(0, () => {});
        try {
          return socket.send(to, dstPort, data);
        } finally {
          socket.close();
        }
      },
    },
    tcp: {
      listen(port: number, onFlow: (flow: TcpFlow) => void, listenOptions?: ListenOptions): TcpListener {
        assertOpen('tcp.listen');
        return tcp.listen(port, onFlow as (flow: Flow) => void, listenOptions);
      },
      connect(dst: Ipv4Like, port: number, connectOptions?: ConnectOptions) {
        assertOpen('tcp.connect');
        return tcp.connect(ipv4(dst), port, connectOptions);
      },
    },
    icmp: {
      ping(dst: Ipv4Like, pingOptions?: PingOptions): Promise<PingResult> {
        assertOpen('icmp.ping');
        return icmp.ping(ipv4(dst), pingOptions);
      },
    },
    inspect(): DirectStackSnapshot {
      return snapshot(config.name, address, layers);
    },
    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        for (const socket of boundHere.values()) socket.close();
        boundHere.clear();
        tcp.close();
        udp.close();
        icmp.close();
        ip.close();
        arp.close();
        await device.close();
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return stack.close();
    },
  };
  return stack;
}

/** What `inspect()` of a direct stack returns. */
export type DirectStackSnapshot = ReturnType<typeof snapshot>;

/** `inspect()`: live state as plain JSON with addresses as text, like `ip`/`ss` would show. */
function snapshot(name: string, address: Ipv4Address, l: DirectStackLayers) {
  return {
    name,
    address: formatIpv4(address),
    device: { name: l.device.name, mac: formatMac(l.device.mac), mtu: l.device.mtu, stats: { ...l.device.stats } },
    ethernet: { stats: cloneStats(l.ethernet.stats) },
    arp: {
      entries: l.arp.entries().map((e) => ({
        ip: formatIpv4(e.ip),
        mac: e.mac === null ? null : formatMac(e.mac),
        state: e.state,
        expiresAt: e.expiresAt,
      })),
      stats: cloneStats(l.arp.stats),
    },
    ipv4: {
      addresses: l.ipv4.addresses.map(formatCidr),
      routes: l.ipv4.routes().map((r) => ({
        destination: formatCidr(r.destination),
        gateway: r.gateway === null ? null : formatIpv4(r.gateway),
        metric: r.metric,
      })),
      reassembly: l.ipv4.reassembly(),
      stats: cloneStats(l.ipv4.stats),
    },
    icmp: { stats: cloneStats(l.icmp.stats) },
    tcp: { connections: l.tcp.connections(), stats: cloneStats(l.tcp.stats) },
    udp: {
      sockets: l.udp.sockets().map((s) => ({ port: s.port, address: s.address === null ? '0.0.0.0' : formatIpv4(s.address) })),
      stats: cloneStats(l.udp.stats),
    },
  };
}

function cloneStats<T extends object>(stats: T): T {
  return JSON.parse(JSON.stringify(stats)) as T;
}

/**
 * @stack/stack-socket — the `Stack` contract of @stack/interfaces over
 * Node's `node:net` and `node:dgram`: the kernel's TCP/IP behind the same
 * API as @stack/stack-direct, so an app runs on either (`NET=direct|socket`).
 * @packageDocumentation
 */
export { createSocketStack, type SocketStack, type SocketStackSnapshot } from './stack.js';
export {
  resolveSocketStackConfig, resolveSocketTcpConfig, resolveSocketUdpConfig, SOCKET_TCP_DEFAULTS, SOCKET_UDP_DEFAULTS, LOOPBACK,
  type SocketStackOptions, type SocketStackConfig, type SocketTcpConfig, type SocketUdpConfig,
  type ResolvedSocketTcpConfig, type ResolvedSocketUdpConfig, type ResolvedSocketStack,
} from './config.js';
export { SocketFlow, type SocketFlowSnapshot } from './flow.js';
export type { SocketStackTcp, SocketListener, SocketListenerSnapshot, SocketConnectResult, SocketTcpStats } from './tcp.js';
export {
  UDP_MAX_PAYLOAD,
  type SocketStackUdp, type SocketUdpSocket, type SocketUdpBindOptions, type UdpSendFailure, type SocketUdpStats, type SocketUdpSnapshot,
} from './udp.js';
export { connectErrorOf, flowErrorOf, udpSendErrorOf } from './errno.js';

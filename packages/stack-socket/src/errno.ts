import { StackError, type ConnectError, type FlowError, type Ipv4Address, type UdpSendError } from '@stack/interfaces';
import { formatIpv4 } from '@stack/wire';

/** The errno name of a Node system error (`ECONNREFUSED`...), or "UNKNOWN". */
export function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN';
}

/**
 * Why a connect failed, from the kernel's errno (connect(2)): a refusing
 * port (RST) is 'refused'; SYN retries or our timer running out is
 * 'timeout'; no route, a host that does not answer ARP, a firewall or a
 * down network is 'unreachable'; a reset during the handshake is 'reset'.
 * Anything else is 'unreachable' too (the connection never existed).
 */
export function connectErrorOf(errno: string): ConnectError {
  switch (errno) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNRESET':
    case 'ECONNABORTED':
    case 'EPIPE':
      return 'reset';
    default:
      return 'unreachable';
  }
}

/**
 * How an established connection died, from the kernel's errno: a reset
 * (ECONNRESET, EPIPE: the peer's RST) is 'reset'; retransmissions or
 * keepalives running out (ETIMEDOUT, and EHOSTUNREACH/ENETUNREACH that
 * Linux reports when ICMP errors ended them) is 'timeout'. Anything else
 * counts as 'reset': the connection is gone.
 */
export function flowErrorOf(errno: string): FlowError {
  switch (errno) {
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return 'timeout';
    default:
      return 'reset';
  }
}

/**
 * A UDP send error from the kernel's errno (sendmsg(2)), for the counters
 * and `onSendError`: no route (ENETUNREACH, EHOSTUNREACH, EHOSTDOWN,
 * ENETDOWN, EACCES for a broadcast without permission, EPERM from a
 * firewall) is 'no-route'; EMSGSIZE is 'too-big'; a full queue (ENOBUFS,
 * EAGAIN) is 'queue-full'; a socket closed while the datagram waited is
 * 'closed'.
 */
export function udpSendErrorOf(errno: string): UdpSendError {
  switch (errno) {
    case 'EMSGSIZE':
      return 'too-big';
    case 'ENOBUFS':
    case 'EAGAIN':
    case 'EWOULDBLOCK':
      return 'queue-full';
    case 'ECANCELED':
    case 'EBADF':
    case 'ERR_SOCKET_DGRAM_NOT_RUNNING':
      return 'closed';
    default:
      return 'no-route';
  }
}

/** True for an integer port in `min`..65535. */
export function validPort(port: unknown, min: number): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= min && port <= 0xffff;
}

/**
 * The StackError for a bind or listen the kernel refused (bind(2), listen(2)):
 * a port another socket holds is ERR_PORT_IN_USE; an address that is not
 * this host's or a privileged port is ERR_INVALID_ARGUMENT; anything else
 * ERR_DEVICE. `what` says which ("tcp: listen on", "udp: bind").
 */
export function bindError(what: string, errno: string, address: Ipv4Address, port: number, cause: unknown): StackError {
  const where = `${formatIpv4(address)}:${port}`;
  if (errno === 'EADDRINUSE') return new StackError('ERR_PORT_IN_USE', `${what} ${where}: the port is in use by another socket (EADDRINUSE)`, { cause });
  if (errno === 'EADDRNOTAVAIL') return new StackError('ERR_INVALID_ARGUMENT', `${what} ${where}: not an address of this host (EADDRNOTAVAIL)`, { cause });
  if (errno === 'EACCES') {
    return new StackError('ERR_INVALID_ARGUMENT', `${what} ${where}: permission denied (EACCES; ports below 1024 need CAP_NET_BIND_SERVICE)`, { cause });
  }
  return new StackError('ERR_DEVICE', `${what} ${where}: the kernel refused (${errno})`, { cause });
}

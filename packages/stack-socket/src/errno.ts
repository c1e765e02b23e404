import type { ConnectError, FlowError, UdpSendError } from '@stack/interfaces';

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

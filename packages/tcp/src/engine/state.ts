/**
 * The eleven connection states of RFC 9293 §3.3.2, as the strings `ss`
 * and the RFC print. LISTEN belongs to the listener: a connection is built
 * from the SYN a listener accepted (see `listenerInput`), so a
 * `TcpConnection` itself starts in SYN-SENT or SYN-RECEIVED.
 */
export const TcpState = {
  CLOSED: 'CLOSED',
  LISTEN: 'LISTEN',
  SYN_SENT: 'SYN-SENT',
  SYN_RECEIVED: 'SYN-RECEIVED',
  ESTABLISHED: 'ESTABLISHED',
  FIN_WAIT_1: 'FIN-WAIT-1',
  FIN_WAIT_2: 'FIN-WAIT-2',
  CLOSE_WAIT: 'CLOSE-WAIT',
  CLOSING: 'CLOSING',
  LAST_ACK: 'LAST-ACK',
  TIME_WAIT: 'TIME-WAIT',
} as const;

/** One of `TcpState`. */
export type TcpState = (typeof TcpState)[keyof typeof TcpState];

/** Why a connection ended other than by a clean close: the Flow's and connect's error values. */
export type TcpError = 'refused' | 'reset' | 'timeout' | 'aborted';

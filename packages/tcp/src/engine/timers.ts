// The connection's timers (RFC 9293 §3.8, RFC 6298, RFC 1122 §4.2.3.6,
// RFC 5482), as absolute deadlines in the TCB: what `nextDeadline` reports
// and what `poll` runs when they are due. No clock of their own.
import { seqDiff } from './sequence.js';
import { onRetransmitTimeout } from './recovery.js';
import { TcpState } from './state.js';
import type { Tcb } from './tcb.js';

/**
 * When `poll` must next run: exactly the conditions under which `poll`
 * sends something now give -Infinity (so a caller that polls at -Infinity
 * never spins), else the earliest armed timer, else Infinity.
 */
export function nextDeadline(t: Tcb): number {
  if (t.rstPending) return -Infinity;
  if (t.st === TcpState.SYN_SENT || t.st === TcpState.SYN_RECEIVED) {
    if (t.sndNxt === t.iss || t.synAckAgain) return -Infinity;
  }
  if (t.ackNow && t.st !== TcpState.SYN_SENT && t.st !== TcpState.CLOSED) return -Infinity;
  return Math.min(t.rtoDeadline, t.timeWaitDeadline, t.delAckDeadline, t.userDeadline, t.fw2Deadline, keepaliveArmed(t) ? t.kaDeadline : Infinity);
}

/**
 * Runs the timers due at `now` (the start of every `poll`): TIME-WAIT
 * ends, the user and FIN-WAIT-2 timeouts fail the connection, the RTO
 * retransmits, a delayed ACK becomes due. Returns whether a keepalive probe
 * is to go out.
 */
export function runTimers(t: Tcb, now: number): boolean {
  if (now >= t.timeWaitDeadline) t.toClosed();
  if (now >= t.userDeadline || now >= t.fw2Deadline) t.fail('timeout');
  armFinWait2(t, now);
  if (now >= t.rtoDeadline) onRetransmitTimeout(t, now);
  if (now >= t.delAckDeadline) t.ackNow = true;
  return keepaliveArmed(t) && now >= t.kaDeadline && onKeepaliveTimer(t, now);
}

/**
 * FIN-WAIT-2 after `close()` (not after `shutdown()` alone): the peer's FIN
 * may never come, so the connection ends with 'timeout' after
 * `finWait2Timeout` ms (Linux's tcp_fin_timeout; RFC 9293 sets no limit).
 * Counted from reaching FIN-WAIT-2, or from the first poll after a
 * `close()` that came later.
 */
export function armFinWait2(t: Tcb, now: number): void {
  if (t.fw2Deadline === Infinity && t.appClosed && t.st === TcpState.FIN_WAIT_2) t.fw2Deadline = now + t.cfg.finWait2Timeout;
}

/** The keepalive timer runs: on, and in a state where the connection idles with the peer (ESTABLISHED, CLOSE-WAIT, FIN-WAIT-2). */
export function keepaliveArmed(t: Tcb): boolean {
  const s = t.st;
  return t.kaOn && (s === TcpState.ESTABLISHED || s === TcpState.CLOSE_WAIT || s === TcpState.FIN_WAIT_2);
}

/**
 * The keepalive timer fired (RFC 1122 §4.2.3.6, timed as Linux does): after
 * `keepaliveCount` unanswered probes the connection fails with 'timeout';
 * while data is outstanding or queued the retransmission timer watches the
 * peer, so no probe, and the timer looks again an interval later. Returns
 * whether a probe goes out.
 */
function onKeepaliveTimer(t: Tcb, now: number): boolean {
  if (t.kaProbes >= t.cfg.keepaliveCount) {
    t.fail('timeout');
    return false;
  }
  t.kaDeadline = now + t.cfg.keepaliveInterval;
  if (t.sndMax !== t.sndUna || t.sendBuf.length > seqDiff(t.sndMax, t.sndBufSeq)) return false;
  t.kaProbes++;
  return true;
}

/** A segment from the peer passed PAWS: the connection is not idle, probes are answered. */
export function heard(t: Tcb, now: number): void {
  t.kaProbes = 0;
  if (t.kaOn) t.kaDeadline = now + t.cfg.keepaliveIdle;
}

/** Turns keepalive on or off (`setKeepalive`); turned on, the idle time counts from `now`. */
export function setKeepalive(t: Tcb, on: boolean, now: number): void {
  t.kaOn = on;
  t.kaProbes = 0;
  t.kaDeadline = on ? now + t.cfg.keepaliveIdle : Infinity;
}

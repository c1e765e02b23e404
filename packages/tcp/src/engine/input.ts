// Segment arrival (RFC 9293 §3.10.7.3 SYN-SENT and §3.10.7.4 the
// synchronized states), with RFC 5961's defences and RFC 7323's PAWS. The
// ACK field is handled in ack.ts, data and FIN in receiver.ts.
import { TcpFlags as F } from '../wire/fields.js';
import { seqGt, seqLe, seqLt } from './sequence.js';
import { ackAdvance, processAck, updateWindow } from './ack.js';
import { takeSyn } from './options.js';
import { acceptable, receiveData } from './receiver.js';
import type { SegmentIn } from './segment.js';
import { TcpState } from './state.js';
import type { Tcb } from './tcb.js';
import { armFinWait2, heard } from './timers.js';

/** Window of RFC 5961 §7's challenge ACK limit. */
const CHALLENGE_WINDOW_MS = 1000;

/** One received segment of this connection (see `TcpConnection.input`). */
export function input(t: Tcb, seg: SegmentIn, now: number): void {
  t.counters.segmentsIn++;
  if (t.st === TcpState.CLOSED) return;
  if (t.st === TcpState.SYN_SENT) inputSynSent(t, seg, now);
  else inputSynchronized(t, seg, now);
}

/** RFC 9293 §3.10.7.3. */
function inputSynSent(t: Tcb, seg: SegmentIn, now: number): void {
  const hasAck = seg.has(F.ACK);
  if (hasAck && (seqLe(seg.ack, t.iss) || seqGt(seg.ack, t.sndMax))) {
    if (!seg.has(F.RST)) t.queueRst(seg.ack, 0, F.RST);
    return;
  }
  if (seg.has(F.RST)) {
    // RFC 5961 §3.2 holds here through the ACK check above: the RST must acknowledge our SYN.
    if (hasAck) t.fail('refused');
    return;
  }
  if (!seg.has(F.SYN)) return;
  takeSyn(t, seg);
  updateWindow(t, seg, true);
  if (hasAck) {
    ackAdvance(t, seg, now);
    established(t, now);
    t.ackNow = true;
  } else {
    // Simultaneous open: our SYN goes again, now with an ACK (a retransmission, so no RTT sample).
    t.st = TcpState.SYN_RECEIVED;
    t.sndNxt = t.iss;
    t.rttTiming = false;
  }
}

/** The handshake completed (or a SYN cookie was redeemed): ESTABLISHED, or FIN-WAIT-1 when a FIN waits. */
export function established(t: Tcb, now: number): void {
  t.synAckAgain = false; // the handshake is over: a SYN-ACK owed to a repeated SYN is moot
  heard(t, now);
  t.cc.onEstablished(t.effMss);
  t.st = t.finQueued ? TcpState.FIN_WAIT_1 : TcpState.ESTABLISHED;
}

/** RFC 9293 §3.10.7.4 ("Otherwise"), with RFC 5961 and RFC 7323 §5. */
function inputSynchronized(t: Tcb, seg: SegmentIn, now: number): void {
  const rst = seg.has(F.RST);
  const syn = seg.has(F.SYN);
  const o = seg.options;

  // The peer did not hear our SYN-ACK and sent its SYN again: answer with the SYN-ACK (as Linux does).
  if (t.st === TcpState.SYN_RECEIVED && syn && !rst && !seg.has(F.ACK) && (seg.seq | 0) === t.irs) {
    t.synAckAgain = true;
    return;
  }

  // Simultaneous open (RFC 9293 Figure 8): the peer's SYN-ACK repeats its SYN and acknowledges ours.
  // Its SYN lies just before RCV.NXT, so take it as the ACK it is (as Linux does).
  if (t.st === TcpState.SYN_RECEIVED && !t.passive && syn && !rst && seg.has(F.ACK) && (seg.seq | 0) === t.irs && (seg.ack | 0) === t.sndMax) {
    if (t.tsOn && o.hasTimestamps) t.tsRecent = o.tsValue | 0;
    updateWindow(t, seg, true);
    ackAdvance(t, seg, now);
    established(t, now);
    return;
  }

  // RFC 7323 §5.3 R1 (PAWS) and §3.2: once negotiated, a non-RST segment needs timestamps not older than TS.Recent.
  if (t.tsOn && !rst) {
    if (!o.hasTimestamps || seqLt(o.tsValue, t.tsRecent)) {
      t.counters.pawsDropped++;
      if (o.hasTimestamps) t.ackNow = true;
      return;
    }
  }

  // The peer is alive (keepalive): also when its segment falls outside a closed window, as its ACKs to our
  // zero-window probes and keepalive probes may (their SEG.SEQ lies past a window of 0).
  if (!rst) heard(t, now);

  // First: is the segment in the window?
  if (!acceptable(t, seg)) {
    t.counters.outOfWindow++;
    if (syn) challengeAck(t, now); // RFC 5961 §4.2: any SYN, whatever its sequence number
    else if (!rst) t.ackNow = true;
    if (t.st === TcpState.TIME_WAIT && seg.has(F.FIN)) t.timeWaitDeadline = now + t.cfg.timeWait;
    return;
  }

  // Second: RST (RFC 5961 §3.2: only at exactly RCV.NXT; elsewhere in the window, a challenge ACK).
  if (rst) {
    if ((seg.seq | 0) !== t.rcvNxt) challengeAck(t, now);
    else onReset(t);
    return;
  }

  // Fourth: SYN in a synchronized state (RFC 5961 §4.2; RFC 9293 §3.10.7.4 for passive SYN-RECEIVED).
  if (syn) {
    if (t.st === TcpState.SYN_RECEIVED && t.passive) t.fail('reset');
    else challengeAck(t, now);
    return;
  }

  // Fifth: ACK.
  if (!seg.has(F.ACK)) return;
  if (t.st === TcpState.SYN_RECEIVED) {
    if (!(seqGt(seg.ack, t.sndUna) && seqLe(seg.ack, t.sndMax))) {
      t.queueRst(seg.ack, 0, F.RST);
      return;
    }
    updateWindow(t, seg);
    established(t, now);
  }
  if (!processAck(t, seg, now)) return;

  const finAcked = t.finQueued && seqGt(t.sndUna, t.finSeq());
  switch (t.st) {
    case TcpState.FIN_WAIT_1:
      if (finAcked) {
        t.st = TcpState.FIN_WAIT_2;
        armFinWait2(t, now);
      }
      break;
    case TcpState.CLOSING:
      if (finAcked) t.enterTimeWait(now);
      return;
    case TcpState.LAST_ACK:
      if (finAcked) t.toClosed();
      return;
    case TcpState.TIME_WAIT:
      if (seg.has(F.FIN)) {
        t.ackNow = true;
        t.timeWaitDeadline = now + t.cfg.timeWait;
      }
      return;
    default:
      break;
  }

  // Sixth (URG) is not supported: the urgent pointer is ignored. Seventh and eighth: data and FIN.
  receiveData(t, seg, now);
}

/** An acceptable RST at RCV.NXT (RFC 9293 §3.10.7.4, second check). */
function onReset(t: Tcb): void {
  switch (t.st) {
    case TcpState.SYN_RECEIVED:
      // Passive: back to LISTEN, i.e. this embryonic connection goes away. Active (simultaneous open): refused.
      t.fail(t.passive ? 'reset' : 'refused');
      break;
    case TcpState.CLOSING:
    case TcpState.LAST_ACK:
    case TcpState.TIME_WAIT:
      t.toClosed();
      break;
    default:
      t.fail('reset');
  }
}

/** RFC 5961 §7: send an ACK, at most `challengeAckLimit` per second. */
export function challengeAck(t: Tcb, now: number): void {
  if (takeChallenge(t, t.cfg.challengeAckLimit, now)) {
    t.counters.challengeAcks++;
    t.ackNow = true;
  } else t.counters.challengeAcksLimited++;
}

/** The state of RFC 5961 §7's challenge ACK limit (a TCB's, or a compact TIME-WAIT's). */
export interface ChallengeLimit {
  /** When the current one-second window began. */
  challengeStart: number;
  /** Challenge ACKs sent in it. */
  challengeCount: number;
}

/** Whether a challenge ACK may go at `now` (at most `limit` per second, RFC 5961 §7); counts it when so. */
export function takeChallenge(s: ChallengeLimit, limit: number, now: number): boolean {
  if (now - s.challengeStart >= CHALLENGE_WINDOW_MS) {
    s.challengeStart = now;
    s.challengeCount = 0;
  }
  if (s.challengeCount >= limit) return false;
  s.challengeCount++;
  return true;
}

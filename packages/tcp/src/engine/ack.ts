// What an arriving ACK does to the send side (RFC 9293 §3.10.7.4, fifth
// step): RFC 5961's range check, SND.UNA and the send buffer, the RTT
// sample and the retransmission timer (RFC 6298, RFC 7323 §4), duplicate
// ACKs and SACK information for loss recovery (recovery.ts), and the
// send window (SND.WND, SND.WL1/WL2).
import { TcpFlags as F } from '../wire/fields.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './sequence.js';
import { challengeAck } from './input.js';
import { onAckAdvance, onDuplicateAck, onSackAck } from './recovery.js';
import type { SegmentIn } from './segment.js';
import type { Tcb } from './tcb.js';

/**
 * The ACK field of a segment in a synchronized state. Returns false when
 * the segment is to be dropped: an ACK outside SND.UNA − MAX.SND.WND ..
 * SND.NXT (RFC 5961 §5.2) draws a challenge ACK.
 */
export function processAck(t: Tcb, seg: SegmentIn, now: number): boolean {
  const ack = seg.ack | 0; // int32, as the TCB's (sequence.ts)
  const seq = seg.seq | 0;
  if (seqGt(ack, t.sndMax) || seqLt(ack, seqAdd(t.sndUna, -t.maxSndWnd))) {
    challengeAck(t, now);
    return false;
  }
  // RFC 7323 §4.3: remember the TSval of segments that cover Last.ACK.sent.
  const o = seg.options;
  if (t.tsOn && seqGe(o.tsValue, t.tsRecent) && seqLe(seq, t.lastAckSent)) t.tsRecent = o.tsValue | 0;

  // RFC 5681 §2: a duplicate ACK carries no data, no SYN/FIN, SEG.ACK = SND.UNA with data outstanding, and the same window.
  const duplicate =
    seg.payload.length === 0 && (seg.flags & (F.SYN | F.FIN)) === 0 && ack === t.sndUna &&
    t.sndMax !== t.sndUna && seg.window << t.sndWs === t.sndWnd;
  if (seqGt(ack, t.sndUna)) ackAdvance(t, seg, now);
  if (t.sackOn) onSackAck(t, seg, duplicate);
  else if (duplicate) onDuplicateAck(t);
  if (seqLe(t.sndUna, ack) && (seqLt(t.sndWl1, seq) || (t.sndWl1 === seq && seqLe(t.sndWl2, ack)))) {
    updateWindow(t, seg);
  }
  // The peer answered while its window is closed: it is alive, so probes are not failures.
  if (t.sndWnd === 0 && ack === t.sndUna) t.retries = 0;
  return true;
}

/**
 * Takes the segment's window as SND.WND and records SND.WL1/WL2: scaled
 * (RFC 7323 §2.3), except in a SYN or SYN-ACK (`syn`, never scaled, §2.2).
 */
export function updateWindow(t: Tcb, seg: SegmentIn, syn = false): void {
  t.sndWnd = syn ? seg.window : seg.window << t.sndWs; // ≤ 0xffff << 14: an int32
  t.maxSndWnd = Math.max(t.maxSndWnd, t.sndWnd);
  t.sndWl1 = seg.seq | 0;
  t.sndWl2 = seg.ack | 0;
}

/** SND.UNA < SEG.ACK ≤ SND.MAX: drop what is acknowledged, sample the RTT, restart or stop the timer. */
export function ackAdvance(t: Tcb, seg: SegmentIn, now: number): void {
  const ack = seg.ack | 0;
  const dataAcked = Math.min(Math.max(seqDiff(ack, t.sndBufSeq), 0), t.sendBuf.length);
  if (dataAcked > 0) {
    t.sendBuf.consume(dataAcked);
    t.sndBufSeq = seqAdd(t.sndBufSeq, dataAcked);
  }
  t.sndUna = ack;
  if (seqLt(t.sndNxt, ack)) t.sndNxt = ack;
  // RTT: from the echoed timestamp (RFC 7323 §4), else from the one timed segment (Karn: never a
  // retransmitted one). An echo from before the last RTO is not used either: it names a transmission
  // whose ACK may have been lost, and only a retransmission drew this one (Karn's rule for timestamps).
  let sample = -1;
  const o = seg.options;
  if (t.tsOn && o.hasTimestamps && o.tsEcho !== 0) {
    if (t.counters.timeouts === 0 || !seqLt(o.tsEcho, t.tsAtTimeout)) sample = seqDiff(t.tsNow(now), o.tsEcho);
  } else if (t.rttTiming && seqGe(ack, t.rttSeq)) sample = now - t.rttTime;
  if (t.rttTiming && seqGe(ack, t.rttSeq)) t.rttTiming = false;
  if (sample >= 0) t.rtt.sample(sample);
  t.retries = 0;
  // RFC 6298 §5.2/5.3: stop the timer when all is acknowledged, else restart it (on every partial ACK
  // too: RFC 6582 §4's "Slow-but-Steady" variant).
  const idle = t.sndUna === t.sndMax;
  t.rtoDeadline = idle ? Infinity : now + t.rtt.rto;
  // The user timeout (RFC 5482) counts from the last progress.
  t.userDeadline = idle || t.cfg.userTimeout === 0 ? Infinity : now + t.cfg.userTimeout;
  if (idle) t.flightMaxSeg = 0;
  onAckAdvance(t, ack, dataAcked, now);
}

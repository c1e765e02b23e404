// The send side (RFC 9293 §3.8.6, §3.10.7.3; RFC 5681; RFC 896): the SYN,
// new data within the windows (whole MSS, or GSO segments of several),
// Nagle and silly-window avoidance, retransmissions of given ranges, and
// control segments. What to retransmit is decided in recovery.ts.
import { TcpFlags as F } from '../wire/fields.js';
import type { TcpOptions } from '../wire/options.js';
import { seqAdd, seqDiff, seqGt, seqLt } from './sequence.js';
import { segmentOptions, synOptions } from './options.js';
import { windowField } from './receiver.js';
import { cwndNow, inFlight } from './recovery.js';
import type { SegmentOut, TcpOutput } from './segment.js';
import { TcpState } from './state.js';
import type { Tcb } from './tcb.js';

/** Our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), first or again. */
export function sendSyn(t: Tcb, now: number, out: TcpOutput): number {
  const tx = t.tx!;
  const s = tx.seg;
  const synAck = t.st === TcpState.SYN_RECEIVED;
  s.seq = t.iss >>> 0;
  s.ack = synAck ? t.rcvNxt >>> 0 : 0;
  s.flags = synAck ? F.SYN | F.ACK : F.SYN;
  s.window = Math.min(t.recvBuf.free, 0xffff);
  tx.ts.value = t.tsNow(now) >>> 0;
  tx.ts.echo = synAck ? t.tsRecent >>> 0 : 0;
  s.options = synOptions(t, synAck);
  s.payloadLength = 0;
  s.gsoSize = 0;
  s.source = null;
  if (!out.emit(s)) return 0;
  t.counters.segmentsOut++;
  if (!t.synAckAgain || t.sndNxt === t.iss) {
    const first = t.sndMax === t.iss && t.retries === 0;
    t.sndNxt = seqAdd(t.iss, 1);
    if (seqGt(t.sndNxt, t.sndMax)) t.sndMax = t.sndNxt;
    if (first && !t.tsOn && !t.rttTiming) {
      t.rttTiming = true;
      t.rttSeq = t.sndNxt;
      t.rttTime = now;
    }
    if (t.rtoDeadline === Infinity) t.rtoDeadline = now + t.rtt.rto;
  }
  t.synAckAgain = false;
  if (synAck) t.ackSent();
  return 1;
}

/** States in which data and FIN go out (RFC 9293 §3.10.2: queued until ESTABLISHED). */
function sending(t: Tcb): boolean {
  const s = t.st;
  return s === TcpState.ESTABLISHED || s === TcpState.CLOSE_WAIT || s === TcpState.FIN_WAIT_1 || s === TcpState.CLOSING || s === TcpState.LAST_ACK;
}

/**
 * Data and FIN from SND.NXT within the peer's window, the congestion window
 * and the MSS (RFC 9293 §3.8.6, RFC 5681); after an RTO, go-back-N that
 * skips what the peer SACKed (RFC 6675 §5.1). With GSO one segment may
 * carry several MSS. Returns the segments handed out.
 */
export function sendData(t: Tcb, now: number, out: TcpOutput): number {
  if (!sending(t)) return 0;
  let sent = 0;
  let held = false;
  for (;;) {
    // After an RTO (SND.NXT behind SND.MAX), skip what the peer SACKed and stop before its next range.
    let stop = t.sndMax;
    if (t.sack.count > 0 && seqLt(t.sndNxt, t.sndMax)) {
      t.sndNxt = t.sack.skip(t.sndNxt);
      stop = t.sack.nextStart(t.sndNxt, t.sndMax);
    }
    const resend = seqLt(t.sndNxt, t.sndMax);
    const offset = seqDiff(t.sndNxt, t.sndBufSeq);
    const unsent = t.sendBuf.length - offset;
    // Nothing new to send and no FIN to go (most polls: an ACK came in, the application read): stop before
    // building options. The same as finding n = 0 and no FIN below.
    if (unsent < 0 || (unsent === 0 && !(t.finQueued && !seqGt(t.sndNxt, t.finSeq())))) break;
    let room = Math.min(seqDiff(seqAdd(t.sndUna, t.sndWnd), t.sndNxt), cwndNow(t) - inFlight(t));
    if (t.forceProbe && room < 1) room = 1;
    const options = segmentOptions(t, now);
    const mss = t.effMss - t.tx!.sackOptLen;
    let limit = t.gsoMax >= 2 * mss ? t.gsoMax - (t.gsoMax % mss) : mss;
    if (stop !== t.sndMax) limit = Math.min(limit, seqDiff(stop, t.sndNxt)); // up to the next SACKed range
    let n = Math.max(0, Math.min(unsent, limit, room));
    let fin = t.finQueued && n === unsent && unsent >= 0 && !seqGt(t.sndNxt, t.finSeq());
    // The FIN takes a sequence number, so it must fit the peer's window too (as Linux's tcp_snd_wnd_test):
    // sent past the right edge it would be unacceptable (RFC 9293 §3.10.7.4) and dropped. A zero-window
    // probe may carry it.
    if (fin && !t.forceProbe && seqDiff(seqAdd(t.sndUna, t.sndWnd), t.sndNxt) - n < 1) fin = false;
    if (n === 0 && !fin) break;
    if (n > mss) {
      // GSO: whole MSS pieces, and the shorter tail only when a segment of its size would go on its own.
      const tail = n % mss;
      if (tail > 0 && !fin && holdSmall(t, seqAdd(t.sndNxt, n - tail), tail, unsent - (n - tail))) n -= tail;
    } else if (n < mss && !fin && holdSmall(t, t.sndNxt, n, unsent)) {
      held = true;
      break;
    }
    if (!emitData(t, out, options, t.sndNxt, n, fin, mss, resend)) break;
    t.sndNxt = seqAdd(t.sndNxt, n + (fin ? 1 : 0));
    if (seqGt(t.sndNxt, t.sndMax)) t.sndMax = t.sndNxt;
    if (!resend) {
      if (n % mss !== 0 || n === 0) t.sndSml = t.sndNxt;
      if (!t.tsOn && !t.rttTiming) {
        t.rttTiming = true;
        t.rttSeq = t.sndNxt;
        t.rttTime = now;
      }
    }
    if (t.rtoDeadline === Infinity) t.rtoDeadline = now + t.rtt.rto;
    if (t.userDeadline === Infinity && t.cfg.userTimeout > 0) t.userDeadline = now + t.cfg.userTimeout;
    t.forceProbe = false;
    sent++;
    if (fin) break;
  }
  // Persist (RFC 9293 §3.8.6.1): data waits behind a zero window, or a window too small to use (the SWS
  // override timer, RFC 1122 §4.2.3.4), with nothing in flight to bring an update.
  if (t.rtoDeadline === Infinity && (t.sndWnd === 0 || held) && t.sndUna === t.sndMax && (t.sendBuf.length > 0 || t.finQueued) && !seqGt(t.sndUna, t.finSeq())) {
    t.rtoDeadline = now + t.rtt.rto;
  }
  return sent;
}

/**
 * Whether a new segment of `n` < MSS bytes (no FIN) at `seq` waits,
 * `unsent` being what is queued from there: sender-side silly-window
 * avoidance and Nagle. Nagle (RFC 896, RFC 9293 §3.7.4) in Minshall's form,
 * as Linux has it: when all that is queued fits but is less than an MSS,
 * it waits while an earlier less-than-MSS segment is unacknowledged, unless
 * `noDelay` (so the tail of a large write is not held behind its full
 * segments). Retransmissions and zero-window probes never wait.
 */
function holdSmall(t: Tcb, seq: number, n: number, unsent: number): boolean {
  if (t.forceProbe || t.swsOverride || seqLt(seq, t.sndMax)) return false;
  if (n === unsent) return !t.nagleOff && seqGt(t.sndSml, t.sndUna);
  // Sender-side SWS avoidance (RFC 9293 §3.8.6.2.1, RFC 1122 §4.2.3.4): the usable window holds less than
  // all that is queued and less than an MSS; send only when it is at least half the largest window the
  // peer ever offered. Else wait for ACKs to open it, or for the override timer (the persist timer, armed
  // in sendData when nothing is in flight).
  return n < t.maxSndWnd / 2;
}

/**
 * Sends at most one segment of [seq, end) again (≤ MSS; with the FIN when
 * the range holds it), outside the windows: the caller decided it should
 * go (recovery.ts). Returns the sequence space it covered, 0 when there is
 * nothing there to send, -1 when the device refused it.
 */
export function retransmit(t: Tcb, now: number, out: TcpOutput, seq: number, end: number): number {
  const options = segmentOptions(t, now);
  const mss = t.effMss - t.tx!.sackOptLen;
  const dataLeft = t.sendBuf.length - seqDiff(seq, t.sndBufSeq);
  const n = Math.max(0, Math.min(mss, dataLeft, seqDiff(end, seq)));
  const fin = t.finQueued && n === dataLeft && seqGt(end, t.finSeq());
  if (n === 0 && !fin) return 0;
  if (!emitData(t, out, options, seq, n, fin, mss, true)) return -1;
  return n + (fin ? 1 : 0);
}

/**
 * Hands one data segment to `out`: `n` bytes from `seq` (a GSO segment
 * when n > mss, cut at `mss`), PSH when it reaches the end of the buffered
 * data, FIN when `fin`. Counts it; a retransmission also ends RTT timing
 * of the bytes it covers (Karn). Returns false when the device refused it.
 */
function emitData(t: Tcb, out: TcpOutput, options: TcpOptions, seq: number, n: number, fin: boolean, mss: number, resend: boolean): boolean {
  const g = t.tx!.seg;
  const offset = seqDiff(seq, t.sndBufSeq);
  g.seq = seq >>> 0;
  g.ack = t.rcvNxt >>> 0;
  g.flags = F.ACK | (n > 0 && offset + n === t.sendBuf.length ? F.PSH : 0) | (fin ? F.FIN : 0);
  g.window = windowField(t);
  g.options = options;
  g.payloadLength = n;
  g.gsoSize = n > mss ? mss : 0;
  g.source = t.sendBuf;
  g.sourceOffset = offset;
  const ok = out.emit(g);
  g.source = null;
  g.gsoSize = 0;
  if (!ok) return false;
  const c = t.counters;
  let pieces = 1;
  if (n > mss) {
    pieces = Math.ceil(n / mss);
    c.gsoSegments++;
    if (mss > t.flightMaxSeg) t.flightMaxSeg = mss;
  } else if (n > t.flightMaxSeg) t.flightMaxSeg = n;
  c.segmentsOut += pieces;
  if (resend) {
    c.retransmits += pieces;
    c.bytesRetransmitted += n;
    if (t.rttTiming && seqGt(t.rttSeq, seq)) t.rttTiming = false;
  }
  t.ackSent();
  return true;
}

/** Hands a segment without data to `out` (RST, ACK, probe). */
export function emitControl(t: Tcb, out: TcpOutput, seq: number, ack: number, flags: number, window: number, options: TcpOptions): boolean {
  if (!out.emit(controlSegment(t.tx!.seg, seq, ack, flags, window, options))) return false;
  t.counters.segmentsOut++;
  return true;
}

/** Fills `g` (ports already set) as a segment without data: RST, ACK, probe, TIME-WAIT's ACK. Returns `g`. */
export function controlSegment(g: SegmentOut, seq: number, ack: number, flags: number, window: number, options: TcpOptions): SegmentOut {
  g.seq = seq >>> 0;
  g.ack = ack >>> 0;
  g.flags = flags;
  g.window = window;
  g.options = options;
  g.payloadLength = 0;
  g.gsoSize = 0;
  g.source = null;
  return g;
}

/** A pure ACK with sequence number `seq` (SND.MAX, or SND.MAX − 1 for a keepalive probe) and what it owes. */
export function sendAck(t: Tcb, now: number, out: TcpOutput, seq: number): boolean {
  if (!emitControl(t, out, seq, t.rcvNxt, F.ACK, windowField(t), segmentOptions(t, now))) return false;
  t.ackSent();
  return true;
}

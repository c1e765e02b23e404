// The receive side (RFC 9293 §3.10.7.4, seventh and eighth steps; §3.8.6.2.2
// and §3.8.6.3): data into the receive queue, out-of-order data held for
// reassembly, acknowledgments (delayed or at once), and the window we
// advertise.
import { TcpFlags as F } from '../wire/fields.js';
import { seqAdd, seqDiff } from './sequence.js';
import type { SegmentIn } from './segment.js';
import { TcpState } from './state.js';
import type { Tcb } from './tcb.js';

/** States in which received data is delivered (RFC 9293 §3.10.7.4, seventh). */
export function receiving(t: Tcb): boolean {
  const s = t.st;
  return s === TcpState.ESTABLISHED || s === TcpState.FIN_WAIT_1 || s === TcpState.FIN_WAIT_2;
}

/** RFC 9293 §3.10.7.4, first check: the four cases of segment length and receive window. */
export function acceptable(t: Tcb, seg: SegmentIn): boolean {
  return inWindow(t.rcvNxt, Math.max(seqDiff(t.rcvAdvRight, t.rcvNxt), 0), seg);
}

/** `acceptable` for a receive window of `wnd` bytes from `rcvNxt` (TIME-WAIT's compact form has no TCB). */
export function inWindow(rcvNxt: number, wnd: number, seg: SegmentIn): boolean {
  const len = seg.len;
  const startIn = seqDiff(seg.seq, rcvNxt) >= 0 && seqDiff(seg.seq, rcvNxt) < wnd;
  if (len === 0) return wnd === 0 ? (seg.seq | 0) === rcvNxt : startIn;
  if (wnd === 0) return false;
  const last = seqAdd(seg.seq, len - 1);
  return startIn || (seqDiff(last, rcvNxt) >= 0 && seqDiff(last, rcvNxt) < wnd);
}

/**
 * The seventh and eighth steps for an acceptable segment in a synchronized
 * state: its data into the receive buffer (trimmed to the window; held for
 * reassembly when it starts past RCV.NXT), then its FIN. A segment of any
 * size is taken whole when the window allows (a large GRO/LRO segment, or
 * a peer's GSO output reassembled below us).
 */
export function receiveData(t: Tcb, seg: SegmentIn, now: number): void {
  let fin = seg.has(F.FIN);
  const payload = seg.payload;
  if (payload.length === 0 && !fin) return;
  if (!receiving(t)) {
    if (fin) t.ackNow = true; // CLOSE-WAIT, CLOSING, LAST-ACK: the FIN came already
    return;
  }
  const skip = seqDiff(t.rcvNxt, seg.seq);
  if (t.appClosed && payload.length > skip) {
    // New data for an application that closed: RFC 1122 §4.2.2.13, reset (as Linux does).
    t.queueRst(t.sndMax, 0, F.RST);
    t.fail('reset');
    return;
  }
  const room = Math.min(Math.max(seqDiff(t.rcvAdvRight, t.rcvNxt), 0), t.recvBuf.free);
  if (skip < 0) {
    holdOutOfOrder(t, seg.seq | 0, -skip, payload, fin, room);
    return;
  }
  if (skip > payload.length) fin = false; // the FIN, too, is a duplicate (seq + len − 1 ≥ RCV.NXT made it acceptable)
  const start = Math.min(skip, payload.length);
  let n = payload.length - start;
  if (n > room) {
    n = room;
    fin = false;
  }
  if (n > 0) {
    t.recvBuf.write(n === payload.length ? payload : payload.subarray(start, start + n));
    t.rcvNxt = seqAdd(t.rcvNxt, n);
    let filledHole = false;
    if (t.reasm.count > 0) {
      // The hole before held data may be filled: take in what is now contiguous.
      const next = t.reasm.advance(t.rcvNxt);
      t.recvBuf.commit(seqDiff(next, t.rcvNxt));
      filledHole = next !== t.rcvNxt || t.reasm.count > 0;
      t.rcvNxt = next;
    }
    ackData(t, n, filledHole, now);
  } else if (payload.length > 0) t.ackNow = true; // a duplicate, or no room: tell the peer where we are
  if (!fin && t.finHeld && t.rcvNxt === t.finHeldAt) fin = true;

  // Eighth: FIN.
  if (fin) {
    t.rcvNxt = seqAdd(t.rcvNxt, 1);
    t.finReceived = true;
    // In ESTABLISHED the application is likely to close soon: the ACK of the FIN waits (at most
    // `delayedAck` ms) to ride on our own FIN, as Linux's pingpong mode does (tcp_fin). Closing
    // handshakes then take three segments, not four. Elsewhere (our FIN is out) it goes at once.
    if (t.st === TcpState.ESTABLISHED && t.cfg.delayedAck > 0 && !t.ackNow) {
      if (t.delAckDeadline === Infinity) t.delAckDeadline = now + t.cfg.delayedAck;
    } else t.ackNow = true;
    // Nothing more can arrive: storage the reader has emptied goes back now, not when the connection ends
    // (a server holds many connections in CLOSE-WAIT and TIME-WAIT).
    if (t.recvBuf.length === 0) t.recvBuf.clear();
    if (t.st === TcpState.ESTABLISHED) t.st = TcpState.CLOSE_WAIT;
    else if (t.st === TcpState.FIN_WAIT_1) t.st = TcpState.CLOSING; // our FIN not yet acked, else we would be in FIN-WAIT-2
    else if (t.st === TcpState.FIN_WAIT_2) t.enterTimeWait(now);
  }
}

/**
 * In-window data that starts `offset` bytes past RCV.NXT: written into the
 * receive queue at its place and recorded in `reasm`, when it fits the
 * window and a range is free (else dropped). A FIN right after it is
 * remembered. Either way a duplicate ACK goes out at once (RFC 5681 §4.2),
 * with SACK blocks when negotiated.
 */
function holdOutOfOrder(t: Tcb, seq: number, offset: number, payload: Uint8Array, fin: boolean, room: number): void {
  t.counters.outOfOrder++;
  t.ackNow = true;
  const m = Math.min(payload.length, room - offset);
  if (m <= 0) {
    if (payload.length === 0 && fin && offset <= room) {
      t.finHeld = true;
      t.finHeldAt = seq;
    }
    return;
  }
  if (!t.reassembly().add(seq, seqAdd(seq, m))) {
    t.counters.outOfOrderDropped++;
    return;
  }
  t.recvBuf.writeAt(offset, m === payload.length ? payload : payload.subarray(0, m));
  if (fin && m === payload.length) {
    t.finHeld = true;
    t.finHeldAt = seqAdd(seq, m);
  }
}

/**
 * Acknowledges `n` new in-order bytes: at once for every second
 * full-sized segment and while holes are being filled (RFC 5681 §4.2), or
 * after at most `delayedAck` ms (RFC 9293 §3.8.6.3).
 */
function ackData(t: Tcb, n: number, filledHole: boolean, now: number): void {
  if (n > t.rcvMss) t.rcvMss = Math.min(n, t.advMss);
  t.unackedBytes += n;
  if (t.cfg.delayedAck === 0 || filledHole || t.unackedBytes >= 2 * t.rcvMss) t.ackNow = true;
  else if (t.delAckDeadline === Infinity) t.delAckDeadline = now + t.cfg.delayedAck;
}

/**
 * The window field we send (RFC 7323 §2.3): the free receive space,
 * scaled down. Rounding down may pull the right edge back by less than one
 * unit (RFC 7323 §2.4 allows it); `rcvAdvRight` keeps the furthest edge
 * advertised, so what the peer sent in good faith stays acceptable, and
 * it always fits the buffer: the edge was at most RCV.NXT + free when
 * advertised, and both move together as data arrives.
 */
export function windowField(t: Tcb): number {
  const unit = 1 << t.rcvWs;
  const w = Math.min(t.recvBuf.free >>> t.rcvWs, 0xffff);
  // Receiver-side SWS avoidance (RFC 9293 §3.8.6.2.2, RFC 1122 §4.2.3.3): the right edge moves only
  // by min(buffer/2, MSS) or more, or to offer the whole buffer once the application has read all; until
  // then the edge last advertised stays.
  const old = Math.max(seqDiff(t.rcvAdvRight, t.rcvNxt), 0);
  if (w * unit - old < windowStep(t) && t.recvBuf.length > 0) return Math.min(old >>> t.rcvWs, 0xffff);
  t.rcvAdvRight = seqAdd(t.rcvNxt, w * unit);
  return w;
}

/** The least the right edge of our window moves by (RFC 9293 §3.8.6.2.2): min(buffer/2, MSS). */
export function windowStep(t: Tcb): number {
  return Math.min(t.recvBuf.capacity >>> 1, t.effMss);
}

/**
 * After the application read `n` bytes: when the window we would advertise
 * now exceeds the one last advertised by min(buffer/2, MSS) (RFC 9293
 * §3.8.6.2.2), a window update goes out on the next poll. Compared with
 * what the peer was last told, so small reads add up to an update.
 */
export function afterRead(t: Tcb, n: number): void {
  // The last bytes after the peer's FIN were read: nothing more arrives, the storage goes back.
  if (t.finReceived && t.recvBuf.length === 0) t.recvBuf.clear();
  if (n === 0 || !receiving(t)) return;
  const advertisable = Math.min(t.recvBuf.free >>> t.rcvWs, 0xffff) << t.rcvWs;
  if (advertisable - Math.max(seqDiff(t.rcvAdvRight, t.rcvNxt), 0) >= windowStep(t)) t.ackNow = true;
}

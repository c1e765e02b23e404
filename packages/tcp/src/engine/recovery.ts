// Loss recovery: what to retransmit and how much may be in flight.
// Without SACK, NewReno (RFC 5681 §3.2, RFC 6582); with SACK negotiated,
// RFC 6675's conservative SACK-based recovery over the scoreboard
// (scoreboard.ts); after an RTO, go-back-N from SND.UNA (RFC 6298 §5)
// that skips SACKed ranges (RFC 6675 §5.1). The congestion controller
// only sizes the window (congestion/).
import { TcpFlags as F } from '../wire/fields.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './sequence.js';
import { retransmit, sendData } from './sender.js';
import type { SegmentIn, TcpOutput } from './segment.js';
import { TcpState } from './state.js';
import type { Tcb } from './tcb.js';

/** Duplicate ACKs (or SACKed segments above a hole) that signal a loss (RFC 5681 §3.2, RFC 6675 §2's DupThresh). */
export const DUP_THRESH = 3;

/** In RFC 6675 recovery: SACK negotiated and recovering. */
function sackRecovery(t: Tcb): boolean {
  return t.inRecovery && t.sackOn;
}

/** The congestion window that limits sending now: cwnd, or during SACK recovery ssthresh (RFC 6675 §5 step 4.2: cwnd = ssthresh; the pipe does the rest). */
export function cwndNow(t: Tcb): number {
  return sackRecovery(t) ? t.cc.ssthresh : t.cc.cwnd;
}

/**
 * Bytes counted against the congestion window: RFC 5681's FlightSize
 * (SND.NXT − SND.UNA); during SACK recovery RFC 6675's pipe; before it,
 * with SACK information, the flight less what the peer SACKed (RFC 6675
 * §5 step 3: new data may go as SACKed segments leave the network, which
 * draws the ACKs that detect the loss); after an RTO, what was sent again
 * since, less what the peer SACKed (the rest of the old flight counts as
 * lost, as Linux's loss state has it).
 */
export function inFlight(t: Tcb): number {
  if (sackRecovery(t)) return pipe(t);
  const raw = seqDiff(t.sndNxt, t.sndUna);
  if (t.sack.count === 0) return raw;
  if (seqLt(t.sndNxt, t.sndMax)) return raw - t.sack.sackedIn(t.sndUna, t.sndNxt);
  return raw - t.sack.bytes;
}

/** RFC 6675 §4's IsLost boundary for this connection: every unSACKed byte below it counts as lost. */
function lostEnd(t: Tcb): number {
  return t.sack.lostEnd(t.sndUna, DUP_THRESH, t.effMss);
}

/** Bytes not SACKed below the IsLost boundary (0 without SACK information). */
export function lostBytes(t: Tcb): number {
  if (t.sack.count === 0) return 0;
  const una = t.sndUna;
  const lost = lostEnd(t);
  return seqDiff(lost, una) - t.sack.sackedIn(una, lost);
}

/**
 * RFC 6675 §4's SetPipe in bytes during SACK recovery (else the flight):
 * every byte between SND.UNA and SND.MAX that is neither SACKed nor lost,
 * plus every byte retransmitted (below HighRxt) and not SACKed since.
 */
export function pipe(t: Tcb): number {
  if (!sackRecovery(t)) return inFlight(t);
  const una = t.sndUna;
  const sb = t.sack;
  let p = seqDiff(t.sndMax, una) - sb.bytes - lostBytes(t);
  if (seqGt(t.highRxt, una)) p += seqDiff(t.highRxt, una) - sb.sackedIn(una, t.highRxt);
  return p;
}

// ------------------------------------------------------------ ACKs

/**
 * The ACK advanced SND.UNA to `ack`, acknowledging `dataAcked` bytes of
 * data: the scoreboard forgets what it covers (and everything when the
 * peer reneged), recovery ends at the recovery point or, without SACK,
 * a partial ACK retransmits the next hole (RFC 6582 §3.2 step 5);
 * outside recovery the controller grows the window.
 */
export function onAckAdvance(t: Tcb, ack: number, dataAcked: number, now: number): void {
  t.dupAcks = 0;
  if (t.sack.count > 0 && t.sack.advance(ack)) {
    // Reneging (RFC 2018 §8): the peer dropped data it had SACKed. Nothing was freed on its word; forget it
    // all and resend from SND.UNA what was skipped.
    t.sack.clear();
    t.counters.sackReneging++;
    t.highRxt = ack;
    if (!t.inRecovery && seqLt(t.sndNxt, t.sndMax)) t.sndNxt = ack;
  }
  if (t.inRecovery) {
    if (seqGe(ack, t.recover)) {
      t.inRecovery = false;
      t.cc.onRecoveryEnd(seqDiff(t.sndMax, t.sndUna), t.effMss);
    } else if (!t.sackOn) {
      // Partial ACK (RFC 6582 §3.2 step 5): the next hole is lost too; send it now.
      t.cc.onPartialAck(dataAcked, t.effMss);
      t.retransmitHead = true;
      t.counters.fastRetransmits++;
    }
    // With SACK the ACK just shrank the pipe: `sendRecovery` on the next poll uses the room (RFC 6675 §5 step C).
  } else if (dataAcked > 0) t.cc.onAck(dataAcked, t.effMss, now, t.rtt.srtt);
}

/**
 * RFC 5681 §3.2 and RFC 6582 §3.2 (no SACK): count duplicates; the third
 * starts fast retransmit unless an RTO's losses are still being repaired.
 */
export function onDuplicateAck(t: Tcb): void {
  t.dupAcks++;
  if (t.inRecovery) {
    t.cc.onRecoveryDupAck(t.effMss);
    return;
  }
  if (t.dupAcks !== DUP_THRESH || !seqGe(t.sndUna, t.recover)) return;
  t.recover = t.sndMax;
  t.inRecovery = true;
  t.cc.onFastRetransmit(seqDiff(t.sndMax, t.sndUna), t.effMss);
  t.retransmitHead = true;
  t.counters.fastRetransmits++;
}

/**
 * An ACK on a connection with SACK (RFC 6675 §5), after any advance of
 * SND.UNA: its SACK blocks go into the scoreboard when valid (inside
 * SND.UNA..SND.MAX, not empty; D-SACKs below SND.UNA, RFC 2883, and bogus
 * blocks are ignored). A duplicate ACK in RFC 6675's sense (no data, no
 * SYN/FIN, new SACK information; or, without any SACK block, RFC 5681's
 * `plainDuplicate`) counts toward DupThresh; recovery starts on DupThresh
 * of them or as soon as IsLost(SND.UNA) holds.
 */
export function onSackAck(t: Tcb, seg: SegmentIn, plainDuplicate: boolean): void {
  const o = seg.options;
  let newly = 0;
  for (let b = 0; b < o.sackCount; b++) {
    const left = o.sack[2 * b]!;
    const right = o.sack[2 * b + 1]!;
    if (seqGt(left, t.sndUna) && seqLt(left, right) && seqLe(right, t.sndMax)) newly += t.scoreboard().add(left, right);
    else t.counters.sackBlocksIgnored++;
  }
  t.counters.sackedBytes += newly;
  if (t.sndMax === t.sndUna) return;
  if (seg.payload.length === 0 && (seg.flags & (F.SYN | F.FIN)) === 0 && (o.sackCount > 0 ? newly > 0 : plainDuplicate)) t.dupAcks++;
  if (t.inRecovery || !seqGe(t.sndUna, t.recover)) return; // RFC 6675 §5.1: none before an RTO's RecoveryPoint is acked
  if (t.dupAcks >= DUP_THRESH || (t.sack.count > 0 && seqGt(lostEnd(t), t.sndUna))) enterSackRecovery(t);
}

/**
 * RFC 6675 §5 step 4: RecoveryPoint = HighData, the controller's
 * reduction, the first segment again at once. When the previous recovery
 * already resent data past SND.UNA (holes above its RecoveryPoint, found
 * from the SACKs of data sent during it), that is remembered: HighRxt stays
 * and the head is not resent again (a lost retransmission is the RTO's).
 */
function enterSackRecovery(t: Tcb): void {
  t.recover = t.sndMax;
  t.inRecovery = true;
  t.cc.onFastRetransmit(seqDiff(t.sndMax, t.sndUna), t.effMss);
  if (seqGt(t.highRxt, t.sndUna)) t.rescueRxt = t.highRxt;
  else {
    t.highRxt = t.sndUna;
    t.rescueRxt = t.sndUna;
    t.retransmitHead = true;
  }
  t.counters.fastRetransmits++;
  t.counters.sackRecoveries++;
}

// ------------------------------------------------------------ sending

/**
 * Sends the first unacknowledged segment again, outside the windows
 * (RFC 5681 §3.2 step 2, RFC 6582 step 5, RFC 6675 §5 step 4.3), up to
 * the first SACKed range. Returns the segments sent.
 */
export function retransmitFirst(t: Tcb, now: number, out: TcpOutput): number {
  const end = t.sack.count > 0 ? t.sack.nextStart(t.sndUna, t.sndMax) : t.sndMax;
  const len = retransmit(t, now, out, t.sndUna, end);
  if (len < 0) return 0;
  t.retransmitHead = false;
  if (len === 0) return 0;
  const e = seqAdd(t.sndUna, len);
  if (seqLt(t.sndNxt, e)) t.sndNxt = e;
  if (sackRecovery(t)) {
    // Step 4.3: HighRxt and RescueRxt at the end of this segment.
    if (seqGt(e, t.highRxt)) t.highRxt = e;
    t.rescueRxt = e;
  }
  return 1;
}

/** Retransmits one segment of the hole that starts at `from` and records it in HighRxt; returns retransmit's result. */
function retransmitHole(t: Tcb, now: number, out: TcpOutput, from: number): number {
  const len = retransmit(t, now, out, from, t.sack.nextStart(from, t.sndMax));
  if (len > 0) t.highRxt = seqAdd(from, len);
  return len;
}

/** The lowest unSACKed sequence number above HighRxt (RFC 6675 NextSeg's S2 before its tests). */
function nextUnsacked(t: Tcb): number {
  return t.sack.skip(seqGt(t.highRxt, t.sndUna) ? t.highRxt : t.sndUna);
}

/**
 * Sending during SACK recovery (RFC 6675 §4 NextSeg and §5 step C): while
 * cwnd − pipe ≥ 1 SMSS, (1) lost holes above HighRxt, (2) new data,
 * (3) holes below the highest SACKed byte not yet deemed lost, (4) once
 * per recovery a rescue retransmission of the highest unSACKed data.
 * Returns the segments sent.
 */
export function sendRecovery(t: Tcb, now: number, out: TcpOutput): number {
  const mss = t.effMss;
  let sent = 0;
  // (1)
  for (;;) {
    if (t.cc.ssthresh - pipe(t) < mss) return sent;
    const from = nextUnsacked(t);
    if (!seqLt(from, lostEnd(t))) break;
    const r = retransmitHole(t, now, out, from);
    if (r < 0) return sent;
    if (r === 0) break;
    sent++;
  }
  // (2)
  sent += sendData(t, now, out);
  // (3)
  while (t.sack.count > 0) {
    if (t.cc.ssthresh - pipe(t) < mss) return sent;
    const from = nextUnsacked(t);
    if (!seqLt(from, t.sack.highest)) break;
    const r = retransmitHole(t, now, out, from);
    if (r < 0) return sent;
    if (r === 0) break;
    sent++;
  }
  // (4) Rescue: once SND.UNA passed RescueRxt, one segment ending at the highest unSACKed byte, unless that
  // went again already; HighRxt stays.
  if (seqGt(t.sndUna, t.rescueRxt) && t.cc.ssthresh - pipe(t) >= mss) {
    const sb = t.sack;
    const holeEnd = sb.count > 0 && sb.highest === t.sndMax ? sb.highestStart : t.sndMax;
    const holeStart = sb.prevEnd(holeEnd, t.sndUna);
    if (seqGt(holeEnd, holeStart) && seqGt(holeEnd, t.highRxt)) {
      const start = seqDiff(holeEnd, holeStart) > mss ? seqAdd(holeEnd, -mss) : holeStart;
      const r = retransmit(t, now, out, start, holeEnd);
      if (r > 0) {
        t.rescueRxt = t.recover;
        sent++;
      }
    }
  }
  return sent;
}

// ------------------------------------------------------------ timeouts and path MTU

/**
 * RFC 6298 §5.4–5.6: back off, go back to SND.UNA, give up after the retry
 * limit. Ends any recovery (RFC 6582 §3.2 step 1, RFC 6675 §5.1: no new one
 * before what was sent so far is acknowledged). The SACK scoreboard is
 * kept, as Linux keeps it, so go-back-N skips what the peer holds; were the
 * peer to renege, its cumulative ACK shows it and the scoreboard goes
 * (`onAckAdvance`).
 */
export function onRetransmitTimeout(t: Tcb, now: number): void {
  t.counters.timeouts++;
  const handshake = t.st === TcpState.SYN_SENT || t.st === TcpState.SYN_RECEIVED;
  const limit = handshake ? t.cfg.synRetries : t.cfg.retries;
  if (t.retries >= limit) {
    t.fail('timeout');
    return;
  }
  t.retries++;
  t.rtt.backoff();
  const flight = seqDiff(t.sndMax, t.sndUna);
  if (handshake) {
    t.sndNxt = t.iss;
    if (t.st === TcpState.SYN_RECEIVED || t.sndMax !== t.iss) t.counters.retransmits++;
  } else {
    if (flight > 0) t.cc.onRetransmitTimeout(flight, t.effMss);
    t.recover = t.sndMax;
    t.inRecovery = false;
    t.dupAcks = 0;
    t.retransmitHead = false;
    t.sndNxt = t.sndUna;
    t.highRxt = t.sndUna;
    if (t.sndWnd === 0) t.forceProbe = true;
    else if (flight === 0) t.swsOverride = true;
  }
  t.rttTiming = false;
  t.tsAtTimeout = t.tsNow(now);
  t.rtoDeadline = now + t.rtt.rto;
}

/**
 * Segments in flight no longer fit the path (RFC 1191 §6.3, RFC 9293
 * §3.7.3): send everything from SND.UNA again at the new size on the next
 * poll, without treating it as congestion: no window reduction, no RTO
 * backoff (Linux's tcp_simple_retransmit). Duplicate ACKs for the old
 * flight start no fast retransmit.
 */
export function simpleRetransmit(t: Tcb): void {
  if (t.inRecovery) {
    t.inRecovery = false;
    t.cc.onRecoveryEnd(seqDiff(t.sndMax, t.sndUna), t.effMss);
  }
  t.recover = t.sndMax;
  t.dupAcks = 0;
  t.retransmitHead = false;
  t.sndNxt = t.sndUna;
  t.highRxt = t.sndUna;
  t.rttTiming = false;
}

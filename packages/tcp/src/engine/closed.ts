import { TcpFlags as F } from '../wire/fields.js';
import { seqAdd } from '../wire/seq.js';
import { NO_OPTIONS } from './options.js';
import type { SegmentIn, SegmentOut } from './segment.js';

/** What a listener does with a segment for a port in LISTEN and no connection (RFC 9293 §3.10.7.2). */
export type ListenVerdict = 'accept' | 'reset' | 'drop';

/**
 * The LISTEN state of RFC 9293 §3.10.7.2 for a segment that matches no
 * connection: an RST is ignored ('drop'); anything with ACK is answered with
 * an RST ('reset', build it with `resetFor`); a SYN opens a connection
 * ('accept': `TcpConnection.accept(seg, ...)`); anything else is dropped.
 * Backlog and SYN-cookie decisions are the layer's, after 'accept'.
 */
export function listenerInput(seg: SegmentIn): ListenVerdict {
  if (seg.has(F.RST)) return 'drop';
  if (seg.has(F.ACK)) return 'reset';
  if (seg.has(F.SYN)) return 'accept';
  return 'drop';
}

/**
 * Fills `out` with the RST that answers `seg` when no connection wants it
 * (RFC 9293 §3.10.7.1, CLOSED; also a listener's 'reset'): `<SEQ=SEG.ACK>
 * <CTL=RST>` when `seg` has ACK, else `<SEQ=0><ACK=SEG.SEQ+SEG.LEN>
 * <CTL=RST,ACK>`. Returns false, leaving `out` alone, when `seg` is itself
 * an RST (never answered). Ports are swapped from `seg`.
 */
export function resetFor(seg: SegmentIn, out: SegmentOut): boolean {
  if (seg.has(F.RST)) return false;
  out.srcPort = seg.dstPort;
  out.dstPort = seg.srcPort;
  if (seg.has(F.ACK)) {
    out.seq = seg.ack;
    out.ack = 0;
    out.flags = F.RST;
  } else {
    out.seq = 0;
    out.ack = seqAdd(seg.seq, seg.len);
    out.flags = F.RST | F.ACK;
  }
  out.window = 0;
  out.urgentPointer = 0;
  out.options = NO_OPTIONS;
  out.payloadLength = 0;
  out.gsoSize = 0;
  out.source = null;
  return true;
}

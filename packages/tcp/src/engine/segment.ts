import { readU16, readU32, type WireError } from '@stack/wire';
import { TcpField, TcpFlags } from '../wire/fields.js';
import { readTcpOptions, TcpOptionSlots, type TcpOptions } from '../wire/options.js';
import type { TcpRepr } from '../wire/segment.js';
import type { RingBuffer } from './ring.js';

const EMPTY = new Uint8Array(0);

/**
 * The fixed header fields (RFC 9293 §3.1) shared by `SegmentIn` and
 * `SegmentOut`: ports, sequence and acknowledgment numbers, flags, the raw
 * window field and the urgent pointer, all plain numbers.
 */
export class SegmentHeader {
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  /** The 12 flag bits (`TcpFlags`). */
  flags = 0;
  /** Window field (unscaled). */
  window = 0;
  urgentPointer = 0;
}

/**
 * A received segment as the engine reads it (RFC 9293 §3.1): header fields,
 * options in reusable slots, and the payload as a view into the received
 * bytes. One instance is meant to be reused for every segment (the layer
 * keeps one), so the receive path allocates nothing. `payload` is valid only
 * until the bytes it views are reused: the engine copies what it keeps.
 */
export class SegmentIn extends SegmentHeader {
  /** The options (absent numbers are -1). */
  readonly options = new TcpOptionSlots();
  payload: Uint8Array = EMPTY;

  /**
   * Fills this from `segment` (exactly the TCP segment, header first), which
   * should have passed `checkTcp`; returns the options' WireError if their
   * list is malformed (then the segment must be dropped). Allocation-free.
   */
  readFrom(segment: Uint8Array): WireError | null {
    if (segment.length < TcpField.OPTIONS) return { kind: 'truncated', offset: segment.length, message: 'TCP header needs 20 bytes' };
    this.srcPort = readU16(segment, TcpField.SRC_PORT);
    this.dstPort = readU16(segment, TcpField.DST_PORT);
    this.seq = readU32(segment, TcpField.SEQ);
    this.ack = readU32(segment, TcpField.ACK);
    this.flags = readU16(segment, TcpField.DATA_OFFSET) & 0x0fff;
    this.window = readU16(segment, TcpField.WINDOW);
    this.urgentPointer = readU16(segment, TcpField.URGENT_POINTER);
    const err = readTcpOptions(segment, this.options);
    if (err !== null) return err;
    const data = (segment[TcpField.DATA_OFFSET]! >>> 4) * 4;
    // No view for a segment without payload (most ACKs): a subarray is an allocation.
    this.payload = data < segment.length ? segment.subarray(data) : EMPTY;
    return null;
  }

  /** True when every bit of `flag` is set. */
  has(flag: number): boolean {
    return (this.flags & flag) === flag;
  }

  /** SEG.LEN (RFC 9293 §3.4): payload bytes plus one for SYN and one for FIN. */
  get len(): number {
    return this.payload.length + (this.flags & TcpFlags.SYN ? 1 : 0) + (this.flags & TcpFlags.FIN ? 1 : 0);
  }
}

/** A mutable TcpTimestamps the engine reuses for every segment it sends. */
export interface MutableTimestamps {
  value: number;
  echo: number;
}

/**
 * A segment the engine asks to send, handed to `TcpOutput.emit`. It is a
 * `TcpRepr` (so `emitTcp(seg, buf, offset, ...)` writes its header) with
 * the payload left in the send buffer: `copyPayload(into)` copies the
 * `payloadLength` bytes into the region the IP layer handed out, which is
 * the one copy on the way out. Reused (connections share one, borrowed
 * for each `poll`, with its option objects): valid only during the `emit`
 * call.
 */
export class SegmentOut extends SegmentHeader implements TcpRepr {
  options: TcpOptions = {};
  payloadLength = 0;
  /**
   * 0 for an ordinary segment. Otherwise a large segment (GSO, when the
   * connection was opened with `gsoMaxSize`): the device, or the layer in
   * software, must cut the payload into pieces of `gsoSize` bytes (the last
   * one may be shorter), each with this header, its sequence number
   * advanced by the bytes before it, and FIN and PSH only on the last piece
   * (as Linux's tcp_gso_segment does). The engine counts it as the
   * ceil(payloadLength / gsoSize) segments it stands for.
   */
  gsoSize = 0;
  /** @internal where the payload lives: `source` at `sourceOffset` bytes after its head. */
  source: RingBuffer | null = null;
  /** @internal */
  sourceOffset = 0;

  /** Copies the payload (`payloadLength` bytes) into `into` (at least that long). */
  copyPayload(into: Uint8Array): void {
    const n = this.payloadLength;
    if (n > 0 && this.source !== null) this.source.peek(this.sourceOffset, into.length === n ? into : into.subarray(0, n));
  }
}

/**
 * Where a connection's segments go (caller-owned; the layer implements it
 * over `IpLayer.write`). `emit` writes `seg` out, copying its payload with
 * `seg.copyPayload`, and returns false when it could not (no buffer, link
 * busy): the engine then keeps the data queued and tries again on the next
 * `poll`.
 */
export interface TcpOutput {
  emit(seg: SegmentOut): boolean;
}

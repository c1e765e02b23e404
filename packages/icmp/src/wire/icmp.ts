import { StackError } from '@stack/interfaces';
import { checksum, checksumValid, ok, readU16, readU32, writeU16, writeU32, type ParseResult, type WireError } from '@stack/wire';
import {
  ICMP_CHECKSUM, ICMP_CODE, ICMP_ECHO_ID, ICMP_ECHO_SEQ, ICMP_HEADER_LEN, ICMP_NEXT_HOP_MTU, ICMP_POINTER, ICMP_REST, ICMP_TYPE,
} from './fields.js';
import { IcmpType } from './types.js';

/** Echo request or echo reply (RFC 792): identifier, sequence number and the data echoed back. */
export interface IcmpEchoRepr {
  readonly kind: 'echo-request' | 'echo-reply';
  readonly id: number;
  readonly seq: number;
  /** The echo data (a view into the parsed bytes). */
  readonly data: Uint8Array;
}

/** Destination unreachable (RFC 792); code 4 carries the next-hop MTU (RFC 1191 §4). */
export interface IcmpUnreachableRepr {
  readonly kind: 'destination-unreachable';
  readonly code: number;
  /** The next-hop MTU field (low 16 bits of the second word): meaningful for code 4, normally 0 otherwise. */
  readonly mtu: number;
  /** The quoted datagram: the offending IP header and the start of its payload. */
  readonly quoted: Uint8Array;
}

/** Time exceeded (RFC 792): code 0 TTL exceeded in transit, 1 fragment reassembly time exceeded. */
export interface IcmpTimeExceededRepr {
  readonly kind: 'time-exceeded';
  readonly code: number;
  readonly quoted: Uint8Array;
}

/** Parameter problem (RFC 792): `pointer` is the offset of the offending octet in the quoted header. */
export interface IcmpParameterProblemRepr {
  readonly kind: 'parameter-problem';
  readonly code: number;
  readonly pointer: number;
  readonly quoted: Uint8Array;
}

/** Source quench (RFC 792; deprecated by RFC 6633, still parsed so it can be counted and ignored). */
export interface IcmpSourceQuenchRepr {
  readonly kind: 'source-quench';
  readonly code: number;
  readonly quoted: Uint8Array;
}

/**
 * Any other message (redirect, timestamp, unknown types, an echo with a
 * non-zero code): type, code, the raw second header word and the payload,
 * so it round-trips unchanged.
 */
export interface IcmpOtherRepr {
  readonly kind: 'other';
  readonly type: number;
  readonly code: number;
  /** The 32-bit "rest of header" word. */
  readonly rest: number;
  readonly data: Uint8Array;
}

/** A parsed ICMPv4 message (RFC 792). The checksum is checked on parse and computed on emit. */
export type IcmpRepr =
  | IcmpEchoRepr
  | IcmpUnreachableRepr
  | IcmpTimeExceededRepr
  | IcmpParameterProblemRepr
  | IcmpSourceQuenchRepr
  | IcmpOtherRepr;

/** Options of `parseIcmp` / `IcmpView.checked`. */
export interface IcmpParseOptions {
  /** Verify the checksum (default true). Skip it when a device already did. */
  verifyChecksum?: boolean;
}

/**
 * Checks that `bytes` hold an ICMP message: at least the 8-byte header and,
 * unless told otherwise, a checksum over the whole message that verifies
 * (RFC 792). Returns null when it is good. Never throws.
 */
export function checkIcmp(bytes: Uint8Array, verifyChecksum = true): WireError | null {
  if (bytes.length < ICMP_HEADER_LEN) {
    return { kind: 'truncated', offset: bytes.length, message: `ICMP header needs ${ICMP_HEADER_LEN} bytes, have ${bytes.length}` };
  }
  if (verifyChecksum && !checksumValid(bytes)) {
    return { kind: 'checksum', offset: ICMP_CHECKSUM, message: 'ICMP checksum does not verify' };
  }
  return null;
}

/**
 * A checked, zero-copy view of an ICMPv4 message. After `checked()`
 * succeeds, no getter reads out of bounds.
 */
export class IcmpView {
  /** The whole message (header and payload). */
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Wraps `bytes` after checking its length (and checksum, unless disabled). Never throws. */
  static checked(bytes: Uint8Array, options: IcmpParseOptions = {}): ParseResult<IcmpView> {
    const error = checkIcmp(bytes, options.verifyChecksum ?? true);
    return error ? { ok: false, error } : ok(new IcmpView(bytes));
  }

  get type(): number {
    return this.bytes[ICMP_TYPE]!;
  }
  get code(): number {
    return this.bytes[ICMP_CODE]!;
  }
  get checksum(): number {
    return readU16(this.bytes, ICMP_CHECKSUM);
  }
  /** The 32-bit second header word. */
  get rest(): number {
    return readU32(this.bytes, ICMP_REST);
  }
  /** Echo identifier. */
  get echoId(): number {
    return readU16(this.bytes, ICMP_ECHO_ID);
  }
  /** Echo sequence number. */
  get echoSeq(): number {
    return readU16(this.bytes, ICMP_ECHO_SEQ);
  }
  /** Next-hop MTU of a fragmentation-needed message (RFC 1191). */
  get nextHopMtu(): number {
    return readU16(this.bytes, ICMP_NEXT_HOP_MTU);
  }
  /** Parameter problem pointer. */
  get pointer(): number {
    return this.bytes[ICMP_POINTER]!;
  }
  /** Everything after the 8-byte header: echo data or the quoted datagram. */
  get payload(): Uint8Array {
    return this.bytes.subarray(ICMP_HEADER_LEN);
  }

  /** The message as a repr. Payload fields are views into `bytes`. */
  toRepr(): IcmpRepr {
    const type = this.type;
    const code = this.code;
    const payload = this.payload;
    switch (type) {
      case IcmpType.EchoRequest:
      case IcmpType.EchoReply:
        if (code !== 0) break;
        return { kind: type === IcmpType.EchoRequest ? 'echo-request' : 'echo-reply', id: this.echoId, seq: this.echoSeq, data: payload };
      case IcmpType.DestinationUnreachable:
        return { kind: 'destination-unreachable', code, mtu: this.nextHopMtu, quoted: payload };
      case IcmpType.TimeExceeded:
        return { kind: 'time-exceeded', code, quoted: payload };
      case IcmpType.ParameterProblem:
        return { kind: 'parameter-problem', code, pointer: this.pointer, quoted: payload };
      case IcmpType.SourceQuench:
        return { kind: 'source-quench', code, quoted: payload };
    }
    return { kind: 'other', type, code, rest: this.rest, data: payload };
  }
}

/** Parses an ICMPv4 message (RFC 792) into a repr, checking length and checksum. Never throws. */
export function parseIcmp(bytes: Uint8Array, options: IcmpParseOptions = {}): ParseResult<IcmpRepr> {
  const view = IcmpView.checked(bytes, options);
  return view.ok ? ok(view.value.toRepr()) : view;
}

/** The payload of a repr: echo data, the quoted datagram, or an unknown message's data. */
function payloadOf(repr: IcmpRepr): Uint8Array {
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
    case 'other':
      return repr.data;
    default:
      return repr.quoted;
  }
}

/** Bytes `emitIcmp` writes for `repr`: the 8-byte header plus the payload. */
export function icmpBufferLen(repr: IcmpRepr): number {
  return ICMP_HEADER_LEN + payloadOf(repr).length;
}

/** The numeric type of a repr. */
export function icmpTypeOf(repr: IcmpRepr): number {
  switch (repr.kind) {
    case 'echo-request':
      return IcmpType.EchoRequest;
    case 'echo-reply':
      return IcmpType.EchoReply;
    case 'destination-unreachable':
      return IcmpType.DestinationUnreachable;
    case 'time-exceeded':
      return IcmpType.TimeExceeded;
    case 'parameter-problem':
      return IcmpType.ParameterProblem;
    case 'source-quench':
      return IcmpType.SourceQuench;
    case 'other':
      return repr.type;
  }
}

/**
 * Writes `repr` at `offset` in `buf` with its checksum (RFC 792: over the
 * whole message) and returns the number of bytes written. Throws
 * ERR_INVALID_ARGUMENT if `buf` is too small (our bug, not a peer's).
 */
export function emitIcmp(repr: IcmpRepr, buf: Uint8Array, offset = 0): number {
  const payload = payloadOf(repr);
  const len = ICMP_HEADER_LEN + payload.length;
  if (offset < 0 || offset + len > buf.length) {
    throw new StackError('ERR_INVALID_ARGUMENT', `emitIcmp: need ${len} bytes at offset ${offset}, buffer has ${buf.length}`);
  }
  buf[offset + ICMP_TYPE] = icmpTypeOf(repr);
  writeU16(buf, offset + ICMP_CHECKSUM, 0);
  writeU32(buf, offset + ICMP_REST, 0);
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      buf[offset + ICMP_CODE] = 0;
      writeU16(buf, offset + ICMP_ECHO_ID, repr.id);
      writeU16(buf, offset + ICMP_ECHO_SEQ, repr.seq);
      break;
    case 'destination-unreachable':
      buf[offset + ICMP_CODE] = repr.code;
      writeU16(buf, offset + ICMP_NEXT_HOP_MTU, repr.mtu);
      break;
    case 'parameter-problem':
      buf[offset + ICMP_CODE] = repr.code;
      buf[offset + ICMP_POINTER] = repr.pointer;
      break;
    case 'time-exceeded':
    case 'source-quench':
      buf[offset + ICMP_CODE] = repr.code;
      break;
    case 'other':
      buf[offset + ICMP_CODE] = repr.code;
      writeU32(buf, offset + ICMP_REST, repr.rest);
      break;
  }
  buf.set(payload, offset + ICMP_HEADER_LEN);
  writeU16(buf, offset + ICMP_CHECKSUM, checksum(buf, offset, offset + len));
  return len;
}

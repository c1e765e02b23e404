import { StackError, type Ipv4Address, type MacAddress } from '@stack/interfaces';
import { fail, ok, readU16, readU32, readU48, writeU16, writeU32, writeU48, type ParseResult, type WireErrorKind } from '@stack/wire';
import {
  ARP_FIXED_LEN, ARP_HLEN, ARP_HTYPE, ARP_LEN, ARP_OPER, ARP_PLEN, ARP_PTYPE, ARP_SHA, ARP_SPA, ARP_THA, ARP_TPA,
  HLEN_ETHERNET, HTYPE_ETHERNET, PLEN_IPV4, PTYPE_IPV4,
} from './fields.js';

/**
 * ARP operation codes (RFC 826; IANA "ARP Parameters"). An `as const`
 * object, frozen: other codes (RARP 3/4, InARP 8/9, ...) parse and stay
 * numbers.
 */
export const ArpOperation = Object.freeze({
  Request: 1,
  Reply: 2,
} as const);

/**
 * An ARP packet for Ethernet/IPv4 (RFC 826): hardware type 1, protocol type
 * 0x0800, address lengths 6 and 4, which are implied and not stored.
 */
export interface ArpRepr {
  /** 1 request, 2 reply (`ArpOperation`); other values are kept as numbers. */
  readonly operation: number;
  readonly senderMac: MacAddress;
  readonly senderIp: Ipv4Address;
  readonly targetMac: MacAddress;
  readonly targetIp: Ipv4Address;
}

/**
 * A checked, zero-copy view of an Ethernet/IPv4 ARP packet. After
 * `checked()` (or `reset()`) succeeds the 28 bytes are in bounds and the
 * header says Ethernet/IPv4, so every getter reads a real field.
 *
 * A receive path keeps one view made by `unbound()` and points it at each
 * packet with `reset()`: no view, result or repr is allocated per packet.
 */
export class ArpView {
  private view: Uint8Array;

  protected constructor(bytes: Uint8Array) {
    this.view = bytes;
  }

  /** The packet viewed (with any trailing padding). */
  get bytes(): Uint8Array {
    return this.view;
  }

  /** Checks `bytes` (trailing Ethernet padding is allowed); never throws. */
  static checked(bytes: Uint8Array): ParseResult<ArpView> {
    const error = check(bytes);
    return error ?? ok(new ArpView(bytes));
  }

  /**
   * A view to be pointed at packet after packet with `reset()`. Until the
   * first successful `reset` it views 28 zero bytes of its own.
   */
  static unbound(): ArpView {
    return new ArpView(new Uint8Array(ARP_LEN));
  }

  /**
   * Checks `bytes` like `checked()` and, when they hold an Ethernet/IPv4 ARP
   * packet, points this view at them and returns null; otherwise returns
   * why not (the kind of WireError `parseArp` would give) and leaves the
   * view as it was. Never throws, allocates nothing.
   */
  reset(bytes: Uint8Array): WireErrorKind | null {
    const p = problem(bytes);
    if (p !== OK) return PROBLEM_KIND[p]!;
    this.view = bytes;
    return null;
  }

  get operation(): number {
    return readU16(this.view, ARP_OPER);
  }
  get senderMac(): MacAddress {
    return readU48(this.view, ARP_SHA);
  }
  get senderIp(): Ipv4Address {
    return readU32(this.view, ARP_SPA);
  }
  get targetMac(): MacAddress {
    return readU48(this.view, ARP_THA);
  }
  get targetIp(): Ipv4Address {
    return readU32(this.view, ARP_TPA);
  }
}

/** A writable view of an Ethernet/IPv4 ARP packet, for editing one in place (a proxy, a test). */
export class ArpMutView extends ArpView {
  /** Checks `bytes` like `ArpView.checked`; never throws. */
  static checkedMut(bytes: Uint8Array): ParseResult<ArpMutView> {
    const error = check(bytes);
    return error ?? ok(new ArpMutView(bytes));
  }

  setOperation(op: number): void {
    writeU16(this.bytes, ARP_OPER, op);
  }
  setSenderMac(mac: MacAddress): void {
    writeU48(this.bytes, ARP_SHA, mac);
  }
  setSenderIp(ip: Ipv4Address): void {
    writeU32(this.bytes, ARP_SPA, ip);
  }
  setTargetMac(mac: MacAddress): void {
    writeU48(this.bytes, ARP_THA, mac);
  }
  setTargetIp(ip: Ipv4Address): void {
    writeU32(this.bytes, ARP_TPA, ip);
  }
}

// What is wrong with a packet, found without allocating (`problem`); `check`
// turns it into a WireError with an offset and a message.
const OK = 0;
const SHORT_FIXED = 1;
const HTYPE = 2;
const PTYPE = 3;
const HLEN = 4;
const PLEN = 5;
const SHORT = 6;
type Problem = typeof OK | typeof SHORT_FIXED | typeof HTYPE | typeof PTYPE | typeof HLEN | typeof PLEN | typeof SHORT;
const PROBLEM_KIND: readonly WireErrorKind[] = Object.freeze([
  'truncated', 'truncated', 'unsupported', 'unsupported', 'malformed', 'malformed', 'truncated',
] as const);

function problem(bytes: Uint8Array): Problem {
  if (bytes.length < ARP_FIXED_LEN) return SHORT_FIXED;
  if (readU16(bytes, ARP_HTYPE) !== HTYPE_ETHERNET) return HTYPE;
  if (readU16(bytes, ARP_PTYPE) !== PTYPE_IPV4) return PTYPE;
  if (bytes[ARP_HLEN] !== HLEN_ETHERNET) return HLEN;
  if (bytes[ARP_PLEN] !== PLEN_IPV4) return PLEN;
  if (bytes.length < ARP_LEN) return SHORT;
  return OK;
}

function check(bytes: Uint8Array): ParseResult<never> | undefined {
  switch (problem(bytes)) {
    case OK:
      return undefined;
    case SHORT_FIXED:
      return fail('truncated', bytes.length, `ARP header needs ${ARP_FIXED_LEN} bytes, have ${bytes.length}`);
    case HTYPE:
      return fail('unsupported', ARP_HTYPE, `hardware type ${readU16(bytes, ARP_HTYPE)} (only 1, Ethernet)`);
    case PTYPE:
      return fail('unsupported', ARP_PTYPE, `protocol type 0x${readU16(bytes, ARP_PTYPE).toString(16)} (only 0x0800, IPv4)`);
    case HLEN:
      return fail('malformed', ARP_HLEN, `hardware address length ${bytes[ARP_HLEN]} for Ethernet (want 6)`);
    case PLEN:
      return fail('malformed', ARP_PLEN, `protocol address length ${bytes[ARP_PLEN]} for IPv4 (want 4)`);
    case SHORT:
      return fail('truncated', bytes.length, `Ethernet/IPv4 ARP needs ${ARP_LEN} bytes, have ${bytes.length}`);
  }
}

/**
 * Parses an ARP packet (RFC 826). Only Ethernet/IPv4 is supported: other
 * hardware or protocol types give `unsupported`, wrong address lengths
 * `malformed`, fewer than 28 bytes `truncated`. Bytes after the 28 (Ethernet
 * padding) are ignored. Never throws.
 */
export function parseArp(bytes: Uint8Array): ParseResult<ArpRepr> {
  const error = check(bytes);
  if (error) return error;
  return ok({
    operation: readU16(bytes, ARP_OPER),
    senderMac: readU48(bytes, ARP_SHA),
    senderIp: readU32(bytes, ARP_SPA),
    targetMac: readU48(bytes, ARP_THA),
    targetIp: readU32(bytes, ARP_TPA),
  });
}

/** Bytes an Ethernet/IPv4 ARP packet takes: always 28. */
export function arpBufferLen(_repr?: ArpRepr): number {
  return ARP_LEN;
}

/**
 * Writes `repr` as an Ethernet/IPv4 ARP packet into `buf` at `offset`; returns
 * the bytes written (28). Throws ERR_INVALID_ARGUMENT when a field is out of
 * range or the packet does not fit (our bug, not a peer's).
 */
export function emitArp(repr: ArpRepr, buf: Uint8Array, offset = 0): number {
  if (!(Number.isInteger(offset) && offset >= 0 && offset + ARP_LEN <= buf.length)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `ARP packet (28 bytes) does not fit at offset ${offset} of a ${buf.length}-byte buffer`);
  }
  if (!isInt(repr.operation, 0xffff) || !isInt(repr.senderMac, 0xffff_ffff_ffff) || !isInt(repr.targetMac, 0xffff_ffff_ffff) ||
      !isInt(repr.senderIp, 0xffff_ffff) || !isInt(repr.targetIp, 0xffff_ffff)) {
    throw new StackError('ERR_INVALID_ARGUMENT', 'ARP fields out of range (operation u16, MACs u48, IPv4 addresses u32)');
  }
  writeU16(buf, offset + ARP_HTYPE, HTYPE_ETHERNET);
  writeU16(buf, offset + ARP_PTYPE, PTYPE_IPV4);
  buf[offset + ARP_HLEN] = HLEN_ETHERNET;
  buf[offset + ARP_PLEN] = PLEN_IPV4;
  writeU16(buf, offset + ARP_OPER, repr.operation);
  writeU48(buf, offset + ARP_SHA, repr.senderMac);
  writeU32(buf, offset + ARP_SPA, repr.senderIp);
  writeU48(buf, offset + ARP_THA, repr.targetMac);
  writeU32(buf, offset + ARP_TPA, repr.targetIp);
  return ARP_LEN;
}

function isInt(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

import { StackError, type Ipv4Address, type MacAddress } from '@stack/interfaces';
import { fail, ok, readU16, readU32, readU48, writeU16, writeU32, writeU48, type ParseResult } from '@stack/wire';
import {
  ARP_FIXED_LEN, ARP_HLEN, ARP_HTYPE, ARP_LEN, ARP_OPER, ARP_PLEN, ARP_PTYPE, ARP_SHA, ARP_SPA, ARP_THA, ARP_TPA,
  HLEN_ETHERNET, HTYPE_ETHERNET, PLEN_IPV4, PTYPE_IPV4,
} from './fields.js';

/**
 * ARP operation codes (RFC 826; IANA "ARP Parameters"). An `as const`
 * object: other codes (RARP 3/4, InARP 8/9, ...) parse and stay numbers.
 */
export const ArpOperation = {
  Request: 1,
  Reply: 2,
} as const;

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
 * `checked()` succeeds the 28 bytes are in bounds and the header says
 * Ethernet/IPv4, so every getter reads a real field.
 */
export class ArpView {
  readonly bytes: Uint8Array;

  protected constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Checks `bytes` (trailing Ethernet padding is allowed); never throws. */
  static checked(bytes: Uint8Array): ParseResult<ArpView> {
    const error = check(bytes);
    return error ?? ok(new ArpView(bytes));
  }

  get operation(): number {
    return readU16(this.bytes, ARP_OPER);
  }
  get senderMac(): MacAddress {
    return readU48(this.bytes, ARP_SHA);
  }
  get senderIp(): Ipv4Address {
    return readU32(this.bytes, ARP_SPA);
  }
  get targetMac(): MacAddress {
    return readU48(this.bytes, ARP_THA);
  }
  get targetIp(): Ipv4Address {
    return readU32(this.bytes, ARP_TPA);
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

function check(bytes: Uint8Array): ParseResult<never> | undefined {
  if (bytes.length < ARP_FIXED_LEN) {
    return fail('truncated', bytes.length, `ARP header needs ${ARP_FIXED_LEN} bytes, have ${bytes.length}`);
  }
  const htype = readU16(bytes, ARP_HTYPE);
  if (htype !== HTYPE_ETHERNET) return fail('unsupported', ARP_HTYPE, `hardware type ${htype} (only 1, Ethernet)`);
  const ptype = readU16(bytes, ARP_PTYPE);
  if (ptype !== PTYPE_IPV4) return fail('unsupported', ARP_PTYPE, `protocol type 0x${ptype.toString(16)} (only 0x0800, IPv4)`);
  if (bytes[ARP_HLEN] !== HLEN_ETHERNET) return fail('malformed', ARP_HLEN, `hardware address length ${bytes[ARP_HLEN]} for Ethernet (want 6)`);
  if (bytes[ARP_PLEN] !== PLEN_IPV4) return fail('malformed', ARP_PLEN, `protocol address length ${bytes[ARP_PLEN]} for IPv4 (want 4)`);
  if (bytes.length < ARP_LEN) return fail('truncated', bytes.length, `Ethernet/IPv4 ARP needs ${ARP_LEN} bytes, have ${bytes.length}`);
  return undefined;
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

import { StackError, type MacAddress } from '@stack/interfaces';
import { EtherType, fail, ok, readU16, readU48, writeU16, writeU48, type ParseResult } from '@stack/wire';
import {
  ETH_DST, ETH_HEADER_LEN, ETH_SRC, ETH_TYPE, ETH_VLAN_HEADER_LEN, TCI_DEI_BIT, TCI_PCP_MASK, TCI_PCP_SHIFT,
  TCI_VID_MASK, VLAN_INNER_TYPE, VLAN_TCI,
} from './fields.js';

const MAX_MAC = 0xffff_ffff_ffff;

/** An IEEE 802.1Q tag (802.1Q-2018 §9.6): priority, drop eligibility and VLAN id. */
export interface VlanTag {
  /** Priority Code Point, 0..7. */
  readonly pcp: number;
  /** Drop Eligible Indicator. */
  readonly dei: boolean;
  /** VLAN identifier, 0..4095 (0: priority tag only; 4095 reserved). */
  readonly vid: number;
}

/**
 * The header of an Ethernet II frame (IEEE 802.3 §3.2, DIX), with at most one
 * 802.1Q tag. `etherType` is the type of the payload: the inner one when the
 * frame is tagged. Unknown EtherTypes stay numbers and round-trip; values
 * below 0x0600 (802.3 length fields) are kept as they are too.
 */
export interface EthernetRepr {
  readonly dst: MacAddress;
  readonly src: MacAddress;
  readonly etherType: number;
  /** Present when the frame carries an 802.1Q tag (TPID 0x8100). */
  readonly vlan?: VlanTag;
}

/**
 * A checked, zero-copy view of an Ethernet II frame. After `checked()`
 * succeeds the header (18 bytes when tagged, else 14) is in bounds, so no
 * getter reads past the end.
 */
export class EthernetView {
  /** The whole frame. */
  readonly bytes: Uint8Array;

  protected constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** Checks that `bytes` holds a whole header; never throws. */
  static checked(bytes: Uint8Array): ParseResult<EthernetView> {
    const error = checkHeader(bytes);
    return error ?? ok(new EthernetView(bytes));
  }

  get dst(): MacAddress {
    return readU48(this.bytes, ETH_DST);
  }

  get src(): MacAddress {
    return readU48(this.bytes, ETH_SRC);
  }

  /** True when the frame carries an 802.1Q tag. */
  get tagged(): boolean {
    return readU16(this.bytes, ETH_TYPE) === EtherType.VLAN;
  }

  /** The payload's EtherType (the inner one when tagged). */
  get etherType(): number {
    return readU16(this.bytes, this.tagged ? VLAN_INNER_TYPE : ETH_TYPE);
  }

  /** The 802.1Q TCI, or -1 when untagged. */
  get tci(): number {
    return this.tagged ? readU16(this.bytes, VLAN_TCI) : -1;
  }

  /** The VLAN id, or -1 when untagged. */
  get vid(): number {
    return this.tagged ? readU16(this.bytes, VLAN_TCI) & TCI_VID_MASK : -1;
  }

  /** Header length: 14, or 18 with a tag. */
  get headerLen(): number {
    return this.tagged ? ETH_VLAN_HEADER_LEN : ETH_HEADER_LEN;
  }

  /** The payload (a subarray: no copy). May include the sender's padding. */
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen);
  }
}

/** A writable view of an Ethernet II header, for editing a frame in place (e.g. a bridge rewriting MACs). */
export class EthernetMutView extends EthernetView {
  /** Checks that `bytes` holds a whole header; never throws. */
  static checkedMut(bytes: Uint8Array): ParseResult<EthernetMutView> {
    const error = checkHeader(bytes);
    return error ?? ok(new EthernetMutView(bytes));
  }

  setDst(mac: MacAddress): void {
    writeU48(this.bytes, ETH_DST, mac);
  }

  setSrc(mac: MacAddress): void {
    writeU48(this.bytes, ETH_SRC, mac);
  }

  /** Sets the payload's EtherType (the inner one when tagged). */
  setEtherType(etherType: number): void {
    writeU16(this.bytes, this.tagged ? VLAN_INNER_TYPE : ETH_TYPE, etherType);
  }
}

function checkHeader(bytes: Uint8Array): ParseResult<never> | undefined {
  if (bytes.length < ETH_HEADER_LEN) {
    return fail('truncated', bytes.length, `Ethernet header needs ${ETH_HEADER_LEN} bytes, have ${bytes.length}`);
  }
  if (readU16(bytes, ETH_TYPE) === EtherType.VLAN && bytes.length < ETH_VLAN_HEADER_LEN) {
    return fail('truncated', bytes.length, `802.1Q-tagged header needs ${ETH_VLAN_HEADER_LEN} bytes, have ${bytes.length}`);
  }
  return undefined;
}

/**
 * Parses the header of an Ethernet II frame (with at most one 802.1Q tag).
 * The payload starts at `ethernetHeaderLen(repr)`. Never throws: a short
 * frame gives a `truncated` WireError.
 */
export function parseEthernet(bytes: Uint8Array): ParseResult<EthernetRepr> {
  const error = checkHeader(bytes);
  if (error) return error;
  const dst = readU48(bytes, ETH_DST);
  const src = readU48(bytes, ETH_SRC);
  if (readU16(bytes, ETH_TYPE) !== EtherType.VLAN) return ok({ dst, src, etherType: readU16(bytes, ETH_TYPE) });
  const tci = readU16(bytes, VLAN_TCI);
  return ok({
    dst,
    src,
    etherType: readU16(bytes, VLAN_INNER_TYPE),
    vlan: { pcp: (tci >>> TCI_PCP_SHIFT) & TCI_PCP_MASK, dei: (tci & TCI_DEI_BIT) !== 0, vid: tci & TCI_VID_MASK },
  });
}

/** Length of the header `repr` describes: 14, or 18 with a tag. */
export function ethernetHeaderLen(repr: EthernetRepr): number {
  return repr.vlan ? ETH_VLAN_HEADER_LEN : ETH_HEADER_LEN;
}

/** Bytes a frame with this header and `payloadLength` bytes of payload takes (no padding, no FCS). */
export function ethernetBufferLen(repr: EthernetRepr, payloadLength = 0): number {
  return ethernetHeaderLen(repr) + payloadLength;
}

/**
 * Writes the header `repr` describes into `buf` at `offset` and returns its
 * length. The payload goes right after it. Throws ERR_INVALID_ARGUMENT when a
 * field is out of range or the header does not fit: that is our own bug, not
 * a peer's.
 */
export function emitEthernet(repr: EthernetRepr, buf: Uint8Array, offset = 0): number {
  const len = ethernetHeaderLen(repr);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + len <= buf.length)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `Ethernet header (${len} bytes) does not fit at offset ${offset} of a ${buf.length}-byte buffer`);
  }
  if (!isU48(repr.dst) || !isU48(repr.src)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `MAC addresses must be integers 0..2^48-1 (dst ${repr.dst}, src ${repr.src})`);
  }
  if (!isU16(repr.etherType)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `EtherType must be an integer 0..0xffff, got ${repr.etherType}`);
  }
  writeU48(buf, offset + ETH_DST, repr.dst);
  writeU48(buf, offset + ETH_SRC, repr.src);
  const vlan = repr.vlan;
  if (!vlan) {
    writeU16(buf, offset + ETH_TYPE, repr.etherType);
    return len;
  }
  if (!(Number.isInteger(vlan.pcp) && vlan.pcp >= 0 && vlan.pcp <= TCI_PCP_MASK) || !(Number.isInteger(vlan.vid) && vlan.vid >= 0 && vlan.vid <= TCI_VID_MASK)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `802.1Q tag needs pcp 0..7 and vid 0..4095, got pcp ${vlan.pcp}, vid ${vlan.vid}`);
  }
  writeU16(buf, offset + ETH_TYPE, EtherType.VLAN);
  writeU16(buf, offset + VLAN_TCI, (vlan.pcp << TCI_PCP_SHIFT) | (vlan.dei ? TCI_DEI_BIT : 0) | vlan.vid);
  writeU16(buf, offset + VLAN_INNER_TYPE, repr.etherType);
  return len;
}

function isU48(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_MAC;
}

function isU16(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffff;
}

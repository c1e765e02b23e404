import { StackError } from '@stack/interfaces';
import { fail, ok, type ParseResult, type WireError, type WireErrorKind } from '@stack/wire';
import type { PacketDirection } from './recorder.js';
import {
  Block, BlockType, BYTE_ORDER_MAGIC, DEFAULT_TSRESOL, EnhancedPacket, EpbDirection, InterfaceDescription, ObsoletePacket,
  Option, OptionCode, PCAPNG_VERSION_MAJOR, PCAP_VERSION_MAJOR, PcapFileHeader, PcapMagic, PcapRecordHeader, SectionHeader,
  SimplePacket, pad4,
} from './wire/fields.js';
import { secFracToMs, ticks64ToMs, tsresolTicks } from './wire/timestamp.js';

/** Which of the two formats a stream turned out to be. */
export type PcapFormat = 'pcap' | 'pcapng';

/** An interface of the capture: the classic header's one, or a pcapng IDB. */
export interface PcapInterface {
  /** Index within its section, as records refer to it. */
  readonly id: number;
  readonly linkType: number;
  /** Snapshot length; 0 in pcapng means unlimited. */
  readonly snaplen: number;
  /** Timestamp ticks per second (10^6 for microseconds). */
  readonly ticksPerSecond: number;
  /** pcapng if_name. */
  readonly name?: string;
  /** pcapng if_description. */
  readonly description?: string;
}

/** One captured frame. `data` is a copy the record owns. */
export interface PcapRecord {
  /** Capture time in milliseconds; null for a pcapng Simple Packet Block, which has none. */
  readonly timestamp: number | null;
  /** The interface (classic pcap: always 0). */
  readonly interfaceId: number;
  /** The captured bytes (at most snaplen of them). */
  readonly data: Uint8Array;
  /** Length of the frame on the wire. */
  readonly originalLength: number;
  /** pcapng epb_flags direction, when the file says. */
  readonly direction?: PacketDirection;
}

/** Options of `PcapReader`. */
export interface PcapReaderOptions {
  /**
   * Largest record or block accepted, bytes (default 16 MiB). A length field
   * above it is reported as malformed instead of buffering without bound.
   */
  maxBlockSize?: number;
}

type State = 'start' | 'pcap-header' | 'pcap-record' | 'block' | 'failed';

const textDecoder = new TextDecoder('utf-8', { fatal: false });
const EMPTY: readonly PcapRecord[] = Object.freeze([]);

/**
 * A streaming reader of classic pcap (either byte order, µs or ns) and pcapng
 * (SHB in either byte order, IDB with if_tsresol, EPB, SPB and the obsolete
 * Packet Block; other blocks skipped by length). Feed it chunks of any size
 * with `push`; it returns the records each chunk completes. Bad input never
 * throws: the reader stops and `error` tells what and at which byte offset of
 * the stream (a `WireError`, @stack/wire).
 */
export class PcapReader {
  /** 'pcap' or 'pcapng' once the first bytes are seen. */
  format: PcapFormat | undefined = undefined;
  /** Why reading stopped, or null. */
  error: WireError | null = null;
  /** Records returned so far. */
  recordCount = 0;
  /** Stream offset of the first byte not yet consumed. */
  offset = 0;
  private ifaces: PcapInterface[] = [];
  private readonly maxBlock: number;
  private state: State = 'start';
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  private head = 0;
  private tail = 0;
  private le = true;
  /** Classic pcap: timestamp ticks per second (10^6 or 10^9). */
  private pcapTicks = 1_000_000;

  constructor(options: PcapReaderOptions = {}) {
    const maxBlock = options.maxBlockSize ?? 16 * 1024 * 1024;
    if (!Number.isInteger(maxBlock) || maxBlock < 32) {
      throw new StackError('ERR_INVALID_CONFIG', `PcapReader: maxBlockSize must be a whole number of bytes >= 32, got ${String(maxBlock)}`);
    }
    this.maxBlock = maxBlock;
  }

  /** Interfaces of the current section (classic pcap: the one from the header). */
  get interfaces(): readonly PcapInterface[] {
    return this.ifaces;
  }

  /**
   * Appends `chunk` (not kept: copied in) and returns every record it
   * completes. After an error, returns nothing and ignores input.
   */
  push(chunk: Uint8Array): PcapRecord[] {
    if (this.state === 'failed') return EMPTY as PcapRecord[];
    this.append(chunk);
    const out: PcapRecord[] = [];
    while (this.step(out)) {
      // each step consumed a header, record or block
    }
    this.recordCount += out.length;
    return out;
  }

  /**
   * Says the stream is over. Returns the error that stopped reading, a
   * `truncated` error when a header, record or block is incomplete (or
   * nothing came at all), else null.
   */
  end(): WireError | null {
    if (this.error) return this.error;
    const left = this.tail - this.head;
    if (this.state === 'start' && left === 0 && this.offset === 0) return this.stop('truncated', 0, 'empty input: no file header');
    if (left > 0) return this.stop('truncated', 0, `stream ends inside a ${this.state === 'block' ? 'block' : 'record or header'} (${left} bytes left)`);
    return null;
  }

  private append(chunk: Uint8Array): void {
    const left = this.tail - this.head;
    if (this.tail + chunk.length > this.buf.length) {
      if (left + chunk.length <= this.buf.length) {
        this.buf.copyWithin(0, this.head, this.tail);
      } else {
        let size = this.buf.length * 2;
        while (size < left + chunk.length) size *= 2;
        const bigger = new Uint8Array(size);
        bigger.set(this.buf.subarray(this.head, this.tail));
        this.buf = bigger;
        this.view = new DataView(bigger.buffer);
      }
      this.head = 0;
      this.tail = left;
    }
    this.buf.set(chunk, this.tail);
    this.tail += chunk.length;
  }

  private consume(n: number): void {
    this.head += n;
    this.offset += n;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  private stop(kind: WireErrorKind, at: number, message: string): WireError {
    const err = fail(kind, this.offset + at, message);
    this.error = err.ok ? null : err.error;
    this.state = 'failed';
    return this.error!;
  }

  private u16(at: number): number {
    return this.view.getUint16(this.head + at, this.le);
  }

  private u32(at: number): number {
    return this.view.getUint32(this.head + at, this.le);
  }

  /** One header, record or block; false when more bytes are needed (or on error). */
  private step(out: PcapRecord[]): boolean {
    const avail = this.tail - this.head;
    switch (this.state) {
      case 'start': {
        if (avail < 4) return false;
        if (this.view.getUint32(this.head, true) === BlockType.SECTION_HEADER) {
          this.format = 'pcapng';
          this.state = 'block';
          return true;
        }
        const le = this.view.getUint32(this.head, true);
        const be = this.view.getUint32(this.head, false);
        if (le === PcapMagic.MICROSECONDS || le === PcapMagic.NANOSECONDS) this.le = true;
        else if (be === PcapMagic.MICROSECONDS || be === PcapMagic.NANOSECONDS) this.le = false;
        else {
          this.stop('malformed', 0, `not a pcap or pcapng file (first word 0x${be.toString(16).padStart(8, '0')})`);
          return false;
        }
        this.pcapTicks = (this.le ? le : be) === PcapMagic.NANOSECONDS ? 1_000_000_000 : 1_000_000;
        this.format = 'pcap';
        this.state = 'pcap-header';
        return true;
      }
      case 'pcap-header': {
        if (avail < PcapFileHeader.LENGTH) return false;
        const major = this.u16(PcapFileHeader.VERSION_MAJOR);
        if (major !== PCAP_VERSION_MAJOR) {
          this.stop('unsupported', PcapFileHeader.VERSION_MAJOR, `pcap version ${major}.${this.u16(PcapFileHeader.VERSION_MINOR)} (only 2.x)`);
          return false;
        }
        this.ifaces = [{
          id: 0,
          linkType: this.u32(PcapFileHeader.LINKTYPE) & 0x0fff_ffff, // top bits carry FCS information
          snaplen: this.u32(PcapFileHeader.SNAPLEN),
          ticksPerSecond: this.pcapTicks,
        }];
        this.consume(PcapFileHeader.LENGTH);
        this.state = 'pcap-record';
        return true;
      }
      case 'pcap-record': {
        if (avail < PcapRecordHeader.LENGTH) return false;
        const captured = this.u32(PcapRecordHeader.CAPTURED_LENGTH);
        if (captured > this.maxBlock) {
          this.stop('malformed', PcapRecordHeader.CAPTURED_LENGTH, `captured length ${captured} > limit ${this.maxBlock}`);
          return false;
        }
        if (avail < PcapRecordHeader.LENGTH + captured) return false;
        const dataAt = this.head + PcapRecordHeader.LENGTH;
        out.push({
          timestamp: secFracToMs(this.u32(PcapRecordHeader.TS_SEC), this.u32(PcapRecordHeader.TS_FRAC), this.pcapTicks),
          interfaceId: 0,
          data: this.buf.slice(dataAt, dataAt + captured),
          originalLength: this.u32(PcapRecordHeader.ORIGINAL_LENGTH),
        });
        this.consume(PcapRecordHeader.LENGTH + captured);
        return true;
      }
      case 'block':
        return this.block(avail, out);
      case 'failed':
        return false;
    }
  }

  private block(avail: number, out: PcapRecord[]): boolean {
    if (avail < Block.BODY) return false;
    const type = this.view.getUint32(this.head, this.le);
    if (type === BlockType.SECTION_HEADER) {
      // The byte-order magic decides how to read everything in the section, the length included.
      if (avail < SectionHeader.BYTE_ORDER_MAGIC + 4) return false;
      const bom = this.view.getUint32(this.head + SectionHeader.BYTE_ORDER_MAGIC, true);
      if (bom === BYTE_ORDER_MAGIC) this.le = true;
      else if (this.view.getUint32(this.head + SectionHeader.BYTE_ORDER_MAGIC, false) === BYTE_ORDER_MAGIC) this.le = false;
      else {
        this.stop('malformed', SectionHeader.BYTE_ORDER_MAGIC, `bad byte-order magic 0x${bom.toString(16)}`);
        return false;
      }
    }
    const length = this.u32(Block.TOTAL_LENGTH);
    if (length < Block.OVERHEAD || length % 4 !== 0) {
      this.stop('malformed', Block.TOTAL_LENGTH, `block length ${length} (want a multiple of 4, at least 12)`);
      return false;
    }
    if (length > this.maxBlock) {
      this.stop('malformed', Block.TOTAL_LENGTH, `block length ${length} > limit ${this.maxBlock}`);
      return false;
    }
    if (avail < length) return false;
    const trailing = this.u32(length - 4);
    if (trailing !== length) {
      this.stop('malformed', length - 4, `trailing block length ${trailing} != leading ${length}`);
      return false;
    }
    let err: WireError | null = null;
    switch (type) {
      case BlockType.SECTION_HEADER:
        err = this.sectionHeader(length);
        break;
      case BlockType.INTERFACE_DESCRIPTION:
        err = this.interfaceDescription(length);
        break;
      case BlockType.ENHANCED_PACKET:
        err = this.packet(length, out, EnhancedPacket.MIN_LENGTH, this.u32(EnhancedPacket.INTERFACE_ID), 'EPB');
        break;
      case BlockType.PACKET:
        err = this.packet(length, out, ObsoletePacket.MIN_LENGTH, this.u16(ObsoletePacket.INTERFACE_ID), 'Packet Block');
        break;
      case BlockType.SIMPLE_PACKET:
        err = this.simplePacket(length, out);
        break;
      default:
        break; // NRB, ISB, DSB, custom, unknown: skipped by length
    }
    if (err) return false;
    this.consume(length);
    return true;
  }

  private sectionHeader(length: number): WireError | null {
    if (length < SectionHeader.MIN_LENGTH) return this.stop('malformed', Block.TOTAL_LENGTH, `SHB length ${length} < ${SectionHeader.MIN_LENGTH}`);
    const major = this.u16(SectionHeader.VERSION_MAJOR);
    if (major !== PCAPNG_VERSION_MAJOR) {
      return this.stop('unsupported', SectionHeader.VERSION_MAJOR, `pcapng version ${major}.${this.u16(SectionHeader.VERSION_MINOR)} (only 1.x)`);
    }
    const err = this.options(SectionHeader.OPTIONS, length - 4, () => undefined);
    if (err) return err;
    this.ifaces = []; // interface ids are per section
    return null;
  }

  private interfaceDescription(length: number): WireError | null {
    if (length < InterfaceDescription.MIN_LENGTH) return this.stop('malformed', Block.TOTAL_LENGTH, `IDB length ${length} < ${InterfaceDescription.MIN_LENGTH}`);
    let name: string | undefined;
    let description: string | undefined;
    let tsresol = DEFAULT_TSRESOL;
    let bad: WireError | null = null;
    const err = this.options(InterfaceDescription.OPTIONS, length - 4, (code, at, len) => {
      if (code === OptionCode.IF_NAME) name = this.text(at, len);
      else if (code === OptionCode.IF_DESCRIPTION) description = this.text(at, len);
      else if (code === OptionCode.IF_TSRESOL) {
        if (len < 1) bad = this.stop('malformed', at, 'if_tsresol without a value');
        else tsresol = this.buf[this.head + at]!;
      }
    });
    if (err) return err;
    if (bad) return bad;
    const ticks = tsresolTicks(tsresol);
    if (ticks === undefined) return this.stop('unsupported', InterfaceDescription.OPTIONS, `if_tsresol 0x${tsresol.toString(16)} is too fine`);
    const iface: { -readonly [K in keyof PcapInterface]: PcapInterface[K] } = {
      id: this.ifaces.length,
      linkType: this.u16(InterfaceDescription.LINKTYPE),
      snaplen: this.u32(InterfaceDescription.SNAPLEN),
      ticksPerSecond: ticks,
    };
    if (name !== undefined) iface.name = name;
    if (description !== undefined) iface.description = description;
    this.ifaces.push(iface);
    return null;
  }

  /** EPB and the obsolete Packet Block share a layout after the interface id. */
  private packet(length: number, out: PcapRecord[], minLength: number, interfaceId: number, what: string): WireError | null {
    if (length < minLength) return this.stop('malformed', Block.TOTAL_LENGTH, `${what} length ${length} < ${minLength}`);
    const iface = this.ifaces[interfaceId];
    if (!iface) return this.stop('malformed', EnhancedPacket.INTERFACE_ID, `${what} refers to interface ${interfaceId}, which no IDB described`);
    const captured = this.u32(EnhancedPacket.CAPTURED_LENGTH);
    const dataEnd = EnhancedPacket.DATA + pad4(captured);
    if (captured > length || dataEnd > length - 4) {
      return this.stop('malformed', EnhancedPacket.CAPTURED_LENGTH, `captured length ${captured} runs past the ${what}`);
    }
    let direction: PacketDirection | undefined;
    const err = this.options(dataEnd, length - 4, (code, at, len) => {
      if (code === OptionCode.EPB_FLAGS && len >= 4) {
        const bits = this.u32(at) & 3;
        if (bits === EpbDirection.INBOUND) direction = 'inbound';
        else if (bits === EpbDirection.OUTBOUND) direction = 'outbound';
      }
    });
    if (err) return err;
    const dataAt = this.head + EnhancedPacket.DATA;
    const rec: { -readonly [K in keyof PcapRecord]: PcapRecord[K] } = {
      timestamp: ticks64ToMs(this.u32(EnhancedPacket.TIMESTAMP_HIGH), this.u32(EnhancedPacket.TIMESTAMP_LOW), iface.ticksPerSecond),
      interfaceId,
      data: this.buf.slice(dataAt, dataAt + captured),
      originalLength: this.u32(EnhancedPacket.ORIGINAL_LENGTH),
    };
    if (direction !== undefined) rec.direction = direction;
    out.push(rec);
    return null;
  }

  private simplePacket(length: number, out: PcapRecord[]): WireError | null {
    if (length < SimplePacket.MIN_LENGTH) return this.stop('malformed', Block.TOTAL_LENGTH, `SPB length ${length} < ${SimplePacket.MIN_LENGTH}`);
    const iface = this.ifaces[0];
    if (!iface) return this.stop('malformed', 0, 'SPB before any IDB');
    const original = this.u32(SimplePacket.ORIGINAL_LENGTH);
    const room = length - SimplePacket.MIN_LENGTH;
    const captured = Math.min(original, room, iface.snaplen === 0 ? Infinity : iface.snaplen);
    const dataAt = this.head + SimplePacket.DATA;
    out.push({ timestamp: null, interfaceId: 0, data: this.buf.slice(dataAt, dataAt + captured), originalLength: original });
    return null;
  }

  /** Walks the options in [from, to), calling `each(code, valueOffset, length)`. */
  private options(from: number, to: number, each: (code: number, at: number, len: number) => void): WireError | null {
    let at = from;
    while (at < to) {
      if (to - at < Option.HEADER) return this.stop('malformed', at, `${to - at} stray bytes where an option header should be`);
      const code = this.u16(at + Option.CODE);
      const len = this.u16(at + Option.LENGTH);
      if (code === OptionCode.END_OF_OPT) return null;
      const next = at + Option.HEADER + pad4(len);
      if (next > to) return this.stop('malformed', at, `option ${code} of length ${len} runs past its block`);
      each(code, at + Option.VALUE, len);
      at = next;
    }
    return null;
  }

  private text(at: number, len: number): string {
    let end = at + len;
    while (end > at && this.buf[this.head + end - 1] === 0) end--; // tolerate NUL-terminated strings
    return textDecoder.decode(this.buf.subarray(this.head + at, this.head + end));
  }
}

/** A whole capture, read at once. */
export interface PcapCapture {
  readonly format: PcapFormat;
  /** Interfaces of the last section. */
  readonly interfaces: readonly PcapInterface[];
  readonly records: readonly PcapRecord[];
}

/**
 * Reads a complete pcap or pcapng file held in memory. Never throws: returns
 * the capture, or the WireError that stopped reading (a file cut short is
 * `truncated`).
 */
export function readPcap(bytes: Uint8Array, options: PcapReaderOptions = {}): ParseResult<PcapCapture> {
  const reader = new PcapReader(options);
  const records = reader.push(bytes);
  const err = reader.end();
  if (err) return { ok: false, error: err };
  return ok({ format: reader.format!, interfaces: reader.interfaces, records });
}

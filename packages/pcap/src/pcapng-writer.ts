import { CaptureWriter } from './writer-base.js';
import { StackError } from '@stack/interfaces';
import { DEFAULT_SNAPLEN, checkResolution, checkSnaplen } from './pcap-writer.js';
import type { PacketDirection, PacketRecorder } from './recorder.js';
import type { PcapSink } from './sink.js';
import {
  Block, BlockType, BYTE_ORDER_MAGIC, EnhancedPacket, EpbDirection, InterfaceDescription, LinkType, Option, OptionCode,
  PCAPNG_VERSION_MAJOR, PCAPNG_VERSION_MINOR, SectionHeader, pad4,
} from './wire/fields.js';
import { splitTimestamp, ticksPerSecond, toTicks64, type SplitTime, type Ticks64, type TimestampResolution } from './wire/timestamp.js';

/** Options of `PcapngWriter`. */
export interface PcapngWriterOptions {
  /** Timestamp resolution of every interface: 'us' (if_tsresol 6, the default) or 'ns' (9). */
  resolution?: TimestampResolution;
  /** Default snapshot length of interfaces (default 262144). */
  snaplen?: number;
  /** shb_userappl written in the Section Header Block (default '@stack/pcap'; '' for none). */
  application?: string;
}

/** Options of one interface (Interface Description Block). */
export interface PcapngInterfaceOptions {
  /** LINKTYPE of its frames (default 1, Ethernet). */
  linkType?: number;
  /** Largest number of bytes kept per frame (default the writer's). */
  snaplen?: number;
  /** if_description. */
  description?: string;
}

const textEncoder = new TextEncoder();

/** One option TLV, value already encoded. */
interface OptionValue {
  code: number;
  value: Uint8Array;
}

function optionsLength(options: readonly OptionValue[]): number {
  if (options.length === 0) return 0;
  let n = Option.HEADER; // opt_endofopt
  for (const o of options) n += Option.HEADER + pad4(o.value.length);
  return n;
}

function writeOptions(buf: Uint8Array, v: DataView, at: number, options: readonly OptionValue[]): number {
  if (options.length === 0) return at;
  for (const o of options) {
    v.setUint16(at + Option.CODE, o.code, true);
    v.setUint16(at + Option.LENGTH, o.value.length, true);
    buf.set(o.value, at + Option.VALUE);
    at += Option.HEADER + pad4(o.value.length);
  }
  v.setUint16(at + Option.CODE, OptionCode.END_OF_OPT, true);
  v.setUint16(at + Option.LENGTH, 0, true);
  return at + Option.HEADER;
}

/** Allocates a block of `total` bytes with type and both length fields written. */
function newBlock(type: number, total: number): { buf: Uint8Array; view: DataView } {
  const buf = new Uint8Array(total);
  const view = new DataView(buf.buffer);
  view.setUint32(Block.TYPE, type, true);
  view.setUint32(Block.TOTAL_LENGTH, total, true);
  view.setUint32(total - 4, total, true);
  return { buf, view };
}

/**
 * Writes a pcapng file (draft-ietf-opsawg-pcapng), little-endian: a Section
 * Header Block at construction, an Interface Description Block per
 * `addInterface` (with if_name and if_tsresol), and an Enhanced Packet Block
 * per packet with the direction in epb_flags. Times are the caller's
 * milliseconds, so a simulation writes the same bytes on every run of a seed.
 */
export class PcapngWriter extends CaptureWriter implements PacketRecorder {
  readonly resolution: TimestampResolution;
  readonly snaplen: number;
  private readonly ticks: number;
  private readonly snaplens: number[] = [];
  private readonly names: string[] = [];
  private readonly time: SplitTime = { sec: 0, frac: 0 };
  private readonly ticks64: Ticks64 = { high: 0, low: 0 };

  constructor(sink: PcapSink, options: PcapngWriterOptions = {}) {
    super(sink);
    this.resolution = checkResolution(options.resolution ?? 'us', 'PcapngWriter');
    this.snaplen = checkSnaplen(options.snaplen ?? DEFAULT_SNAPLEN, 'PcapngWriter');
    this.ticks = ticksPerSecond(this.resolution);

    const app = options.application ?? '@stack/pcap';
    const opts: OptionValue[] = app === '' ? [] : [{ code: OptionCode.SHB_USERAPPL, value: textEncoder.encode(app) }];
    const total = SectionHeader.OPTIONS + optionsLength(opts) + 4;
    const { buf, view } = newBlock(BlockType.SECTION_HEADER, total);
    view.setUint32(SectionHeader.BYTE_ORDER_MAGIC, BYTE_ORDER_MAGIC, true);
    view.setUint16(SectionHeader.VERSION_MAJOR, PCAPNG_VERSION_MAJOR, true);
    view.setUint16(SectionHeader.VERSION_MINOR, PCAPNG_VERSION_MINOR, true);
    view.setInt32(SectionHeader.SECTION_LENGTH, -1, true); // -1 as a 64-bit integer: not given
    view.setInt32(SectionHeader.SECTION_LENGTH + 4, -1, true);
    writeOptions(buf, view, SectionHeader.OPTIONS, opts);
    this.emit(buf);
  }

  /** Interfaces described so far. */
  get interfaceCount(): number {
    return this.snaplens.length;
  }

  /** The name given to interface `id`, or undefined. */
  interfaceName(id: number): string | undefined {
    return this.names[id];
  }

  /**
   * Writes an Interface Description Block for `name` and returns its
   * interface id (0, 1, ... in order). Names need not be unique, but tools
   * show them, so make them so.
   */
  addInterface(name: string, options: PcapngInterfaceOptions = {}): number {
    if (this.closed) throw new StackError('ERR_CLOSED', 'PcapngWriter: addInterface after close');
    const linkType = options.linkType ?? LinkType.ETHERNET;
    if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
      throw new StackError('ERR_INVALID_CONFIG', `PcapngWriter: linkType must be an integer 0..65535, got ${linkType}`);
    }
    const snaplen = checkSnaplen(options.snaplen ?? this.snaplen, 'PcapngWriter');
    const opts: OptionValue[] = [];
    if (name !== '') opts.push({ code: OptionCode.IF_NAME, value: textEncoder.encode(name) });
    if (options.description !== undefined) opts.push({ code: OptionCode.IF_DESCRIPTION, value: textEncoder.encode(options.description) });
    opts.push({ code: OptionCode.IF_TSRESOL, value: Uint8Array.of(this.resolution === 'ns' ? 9 : 6) });
    const total = InterfaceDescription.OPTIONS + optionsLength(opts) + 4;
    const { buf, view } = newBlock(BlockType.INTERFACE_DESCRIPTION, total);
    view.setUint16(InterfaceDescription.LINKTYPE, linkType, true);
    view.setUint16(InterfaceDescription.RESERVED, 0, true);
    view.setUint32(InterfaceDescription.SNAPLEN, snaplen, true);
    writeOptions(buf, view, InterfaceDescription.OPTIONS, opts);
    this.emit(buf);
    this.snaplens.push(snaplen);
    this.names.push(name);
    return this.snaplens.length - 1;
  }

  /**
   * Adds an interface and returns a recorder bound to it: hand one to each
   * device's `withPcap` to get one capture with a named interface per device.
   */
  interface(name: string, options: PcapngInterfaceOptions = {}): PacketRecorder {
    const id = this.addInterface(name, options);
    return { writePacket: (timeMs, frame, direction) => this.writePacket(timeMs, frame, direction, id) };
  }

  /**
   * Appends an Enhanced Packet Block on interface `interfaceId` (default 0).
   * With no interface described yet, interface 0 is added first as "eth0".
   * Throws ERR_INVALID_ARGUMENT for an interface never added, ERR_CLOSED after close.
   */
  writePacket(timeMs: number, frame: Uint8Array, direction?: PacketDirection, interfaceId = 0): void {
    if (this.closed) throw new StackError('ERR_CLOSED', 'PcapngWriter: writePacket after close');
    if (this.snaplens.length === 0 && interfaceId === 0) this.addInterface('eth0');
    const snaplen = this.snaplens[interfaceId];
    if (snaplen === undefined) {
      throw new StackError('ERR_INVALID_ARGUMENT', `PcapngWriter: no interface ${interfaceId} (have ${this.snaplens.length}; call addInterface first)`);
    }
    const t = splitTimestamp(timeMs, this.ticks, this.time);
    const ts = toTicks64(t.sec, t.frac, this.ticks, this.ticks64);
    const captured = Math.min(frame.length, snaplen);
    const flagsLen = direction === undefined ? 0 : 2 * Option.HEADER + 4;
    const total = EnhancedPacket.DATA + pad4(captured) + flagsLen + 4;
    const { buf, view } = newBlock(BlockType.ENHANCED_PACKET, total);
    view.setUint32(EnhancedPacket.INTERFACE_ID, interfaceId, true);
    view.setUint32(EnhancedPacket.TIMESTAMP_HIGH, ts.high, true);
    view.setUint32(EnhancedPacket.TIMESTAMP_LOW, ts.low, true);
    view.setUint32(EnhancedPacket.CAPTURED_LENGTH, captured, true);
    view.setUint32(EnhancedPacket.ORIGINAL_LENGTH, frame.length, true);
    buf.set(captured === frame.length ? frame : frame.subarray(0, captured), EnhancedPacket.DATA);
    if (direction !== undefined) {
      const at = EnhancedPacket.DATA + pad4(captured);
      view.setUint16(at + Option.CODE, OptionCode.EPB_FLAGS, true);
      view.setUint16(at + Option.LENGTH, 4, true);
      view.setUint32(at + Option.VALUE, direction === 'inbound' ? EpbDirection.INBOUND : EpbDirection.OUTBOUND, true);
      // opt_endofopt: the 4 zero bytes after it are already zero.
    }
    this.packets++;
    this.emit(buf);
  }
}

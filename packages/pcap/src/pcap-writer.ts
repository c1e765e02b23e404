import { CaptureWriter } from './writer-base.js';
import { StackError } from '@stack/interfaces';
import type { PacketDirection, PacketRecorder } from './recorder.js';
import type { PcapSink } from './sink.js';
import { LinkType, PCAP_VERSION_MAJOR, PCAP_VERSION_MINOR, PcapFileHeader, PcapMagic, PcapRecordHeader } from './wire/fields.js';
import { splitTimestamp, ticksPerSecond, type SplitTime, type TimestampResolution } from './wire/timestamp.js';

/** Options of `PcapWriter`. */
export interface PcapWriterOptions {
  /** Timestamp resolution: 'us' (magic a1b2c3d4, the default) or 'ns' (a1b23c4d). */
  resolution?: TimestampResolution;
  /** Largest number of bytes kept per frame; longer frames are cut (default 262144). */
  snaplen?: number;
  /** LINKTYPE of the frames (default 1, Ethernet). */
  linkType?: number;
}

/** Default snapshot length: tcpdump's. */
export const DEFAULT_SNAPLEN = 262_144;

/** Checks a snaplen option; shared with the pcapng writer. */
export function checkSnaplen(snaplen: number, what: string): number {
  if (!Number.isInteger(snaplen) || snaplen < 1 || snaplen > 0x7fff_ffff) {
    throw new StackError('ERR_INVALID_CONFIG', `${what}: snaplen must be an integer 1..2^31-1, got ${snaplen}`);
  }
  return snaplen;
}

/** Checks a resolution option; shared with the pcapng writer. */
export function checkResolution(resolution: string, what: string): TimestampResolution {
  if (resolution !== 'us' && resolution !== 'ns') {
    throw new StackError('ERR_INVALID_CONFIG', `${what}: resolution must be 'us' or 'ns', got ${JSON.stringify(resolution)}`);
  }
  return resolution;
}

/**
 * Writes a classic libpcap file (draft-ietf-opsawg-pcap §4-§5), little-endian,
 * one interface. The 24-byte header goes to the sink at construction, then one
 * chunk per packet. Times are the caller's milliseconds, so a simulation
 * writes the same bytes on every run of a seed.
 */
export class PcapWriter extends CaptureWriter implements PacketRecorder {
  readonly resolution: TimestampResolution;
  readonly snaplen: number;
  readonly linkType: number;
  private readonly ticks: number;
  private readonly time: SplitTime = { sec: 0, frac: 0 };

  constructor(sink: PcapSink, options: PcapWriterOptions = {}) {
    super(sink);
    this.resolution = checkResolution(options.resolution ?? 'us', 'PcapWriter');
    this.snaplen = checkSnaplen(options.snaplen ?? DEFAULT_SNAPLEN, 'PcapWriter');
    const linkType = options.linkType ?? LinkType.ETHERNET;
    if (!Number.isInteger(linkType) || linkType < 0 || linkType > 0xffff) {
      throw new StackError('ERR_INVALID_CONFIG', `PcapWriter: linkType must be an integer 0..65535, got ${linkType}`);
    }
    this.linkType = linkType;
    this.ticks = ticksPerSecond(this.resolution);

    const h = new Uint8Array(PcapFileHeader.LENGTH);
    const v = new DataView(h.buffer);
    v.setUint32(PcapFileHeader.MAGIC, this.resolution === 'ns' ? PcapMagic.NANOSECONDS : PcapMagic.MICROSECONDS, true);
    v.setUint16(PcapFileHeader.VERSION_MAJOR, PCAP_VERSION_MAJOR, true);
    v.setUint16(PcapFileHeader.VERSION_MINOR, PCAP_VERSION_MINOR, true);
    v.setUint32(PcapFileHeader.THISZONE, 0, true);
    v.setUint32(PcapFileHeader.SIGFIGS, 0, true);
    v.setUint32(PcapFileHeader.SNAPLEN, this.snaplen, true);
    v.setUint32(PcapFileHeader.LINKTYPE, this.linkType, true);
    this.emit(h);
  }

  /**
   * Appends one record: `frame` cut to `snaplen`, stamped `timeMs` (rounded
   * to the resolution). Classic pcap has no direction field; it is ignored.
   * Throws ERR_CLOSED after `close()`, ERR_INVALID_ARGUMENT for a negative time.
   */
  writePacket(timeMs: number, frame: Uint8Array, _direction?: PacketDirection): void {
    if (this.closed) throw new StackError('ERR_CLOSED', 'PcapWriter: writePacket after close');
    const t = splitTimestamp(timeMs, this.ticks, this.time);
    const captured = Math.min(frame.length, this.snaplen);
    const rec = new Uint8Array(PcapRecordHeader.LENGTH + captured);
    const v = new DataView(rec.buffer);
    v.setUint32(PcapRecordHeader.TS_SEC, t.sec, true);
    v.setUint32(PcapRecordHeader.TS_FRAC, t.frac, true);
    v.setUint32(PcapRecordHeader.CAPTURED_LENGTH, captured, true);
    v.setUint32(PcapRecordHeader.ORIGINAL_LENGTH, frame.length, true);
    rec.set(captured === frame.length ? frame : frame.subarray(0, captured), PcapRecordHeader.LENGTH);
    this.packets++;
    this.emit(rec);
  }
}

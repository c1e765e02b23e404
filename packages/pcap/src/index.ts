/**
 * @stack/pcap — capture files: a classic pcap writer, a pcapng writer with one
 * interface per device and packet directions, and a streaming reader of both
 * (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng). Times come from the
 * caller, so simulated captures are byte-identical run after run.
 * @packageDocumentation
 */
export type { PacketDirection, PacketRecorder } from './recorder.js';
export { memorySink, fileSink, type PcapSink, type MemorySink, type FileSink, type FileSinkOptions } from './sink.js';
export { PcapWriter, DEFAULT_SNAPLEN, type PcapWriterOptions } from './pcap-writer.js';
export { PcapngWriter, type PcapngWriterOptions, type PcapngInterfaceOptions } from './pcapng-writer.js';
export {
  PcapReader, readPcap, type PcapCapture, type PcapFormat, type PcapInterface, type PcapReaderOptions, type PcapRecord,
} from './reader.js';
export type { TimestampResolution } from './wire/timestamp.js';
export {
  LinkType, PcapMagic, PcapFileHeader, PcapRecordHeader, BlockType, Block, SectionHeader, InterfaceDescription, EnhancedPacket,
  SimplePacket, OptionCode, EpbDirection, BYTE_ORDER_MAGIC,
} from './wire/fields.js';

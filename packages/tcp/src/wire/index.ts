// The TCP segment codec (RFC 9293 §3.1, options RFC 7323 / RFC 2018) and
// sequence-number arithmetic (RFC 9293 §3.4).
export {
  PROTOCOL_TCP, TCP_DATA_OFFSET_SHIFT, TCP_FLAGS_MASK, TCP_MAX_HEADER_LEN, TCP_MAX_OPTIONS_LEN, TCP_MAX_SACK_BLOCKS,
  TCP_MAX_WINDOW_SCALE, TCP_MIN_DATA_OFFSET, TCP_MIN_HEADER_LEN, TcpField, TcpFlags, TcpOptionKind, TcpOptionLen,
} from './fields.js';
export {
  TcpOptionSlots, optionsFromSlots, readSackBlocks, readTcpOptions, readTimestamps, tcpOptionsLen, walkTcpOptions, writeTcpOptions,
  type SackBlock, type TcpOptions, type TcpTimestamps, type TcpUnknownOption,
} from './options.js';
export {
  TcpSegmentView, checkTcp, checkTcpSegment, emitTcp, fillTcpChecksum, parseTcp, tcpBufferLen, tcpHeaderLen, tcpPseudoHeaderSum,
  type TcpChecksumMode, type TcpEmitOptions, type TcpParseOptions, type TcpRepr,
} from './segment.js';
export { inWindow, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, seqMax, seqMin } from './seq.js';
export { formatTcpFlags, formatTcpOptions, formatTcpSegment } from './format.js';

// The sans-IO TCP engine (RFC 9293 §3.10): one state machine per connection,
// time passed in, segments in through SegmentIn and out through TcpOutput.
export { TcpConnection, type TcpRestoreOptions } from './connection.js';
export { TcpTimeWait, type TcpTimeWaitInfo } from './timewait.js';
export type { TcpConnectionCounters, TcpConnectionInfo } from './info.js';
export { TCP_DEFAULT_MSS, windowScaleFor, type TcpOpenOptions } from './options.js';
export { SegmentHeader, SegmentIn, SegmentOut, type TcpOutput } from './segment.js';
export { TcpState, type TcpError } from './state.js';
export { listenerInput, resetFor, type ListenVerdict } from './closed.js';
export {
  Cubic, CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, NewReno, createCongestionControl, cubicK, cubicWindow, initialWindow,
  type CongestionAlgorithm, type CongestionControl,
} from './congestion/index.js';
export { halfSipHash24, tcpIsn, type IsnSecret } from './isn.js';

// The sans-IO TCP engine (RFC 9293 §3.10): one state machine per connection,
// time passed in, segments in through SegmentIn and out through TcpOutput.
export { TcpConnection, TCP_DEFAULT_MSS, type TcpConnectionCounters, type TcpConnectionInfo, type TcpOpenOptions } from './connection.js';
export { SegmentIn, SegmentOut, type TcpOutput } from './segment.js';
export { TcpState, type TcpError } from './state.js';
export { listenerInput, resetFor, type ListenVerdict } from './closed.js';
export { NewReno, type CongestionControl } from './congestion.js';
export { halfSipHash24, tcpIsn, type IsnSecret } from './isn.js';

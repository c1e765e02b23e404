/**
 * iperf3 over any `Stack`: a server that Linux's `iperf3 -c` can test, and a
 * client that can test Linux's `iperf3 -s`, both speaking iperf 3.12's
 * protocol (TCP: normal, -R reverse, --bidir, -P streams, -n bytes, -b
 * pacing; no UDP/SCTP). See tooling/bench/README.md, "iperf3".
 * @packageDocumentation
 */
export {
  serveIperf3,
  type Iperf3Server, type Iperf3ServerOptions, type Iperf3ServerStats, type Iperf3TestSummary, type Iperf3TestFailure,
  type Iperf3StreamSummary,
} from './server.js';
export {
  runIperf3Client, Iperf3Error,
  type Iperf3ClientOptions, type Iperf3ClientResult, type Iperf3ClientStream, type Iperf3Direction, type Iperf3ErrorCode,
} from './client.js';
export { hostClock, type Iperf3Clock, type CpuUtil } from './clock.js';
export type { Iperf3Params, Iperf3Results, Iperf3StreamResult } from './messages.js';
export {
  IperfState, IperfErrno, COOKIE_SIZE, IPERF3_PORT, DEFAULT_TCP_BLOCK_SIZE, MAX_STREAMS, MAX_BLOCK_SIZE, streamId,
} from './protocol.js';

// The numbers of the iperf3 protocol, as iperf 3.12 defines them (esnet/iperf:
// src/iperf_api.h for the states and error numbers, src/iperf.h for the
// cookie size and limits, src/iperf_api.c for the stream numbering).

/**
 * Control-channel states: one signed byte each way on the control
 * connection. The server drives PARAM_EXCHANGE, CREATE_STREAMS,
 * TEST_START, TEST_RUNNING, EXCHANGE_RESULTS, DISPLAY_RESULTS; the client
 * sends TEST_END, IPERF_DONE, CLIENT_TERMINATE. 3, 5..8 are unused by
 * iperf3. ACCESS_DENIED and SERVER_ERROR are negative (a signed char).
 */
export const IperfState = {
  TEST_START: 1,
  TEST_RUNNING: 2,
  TEST_END: 4,
  PARAM_EXCHANGE: 9,
  CREATE_STREAMS: 10,
  SERVER_TERMINATE: 11,
  CLIENT_TERMINATE: 12,
  EXCHANGE_RESULTS: 13,
  DISPLAY_RESULTS: 14,
  IPERF_START: 15,
  IPERF_DONE: 16,
  ACCESS_DENIED: -1,
  SERVER_ERROR: -2,
} as const;
export type IperfState = (typeof IperfState)[keyof typeof IperfState];

/**
 * The `i_errno` values a server sends after SERVER_ERROR (a 4-byte
 * big-endian int, then the errno as another), the ones this code uses.
 * The client prints iperf3's message for the number.
 */
export const IperfErrno = {
  /** "Number of parallel streams too large". */
  IENUMSTREAMS: 6,
  /** "Block size too large". */
  IEBLOCKSIZE: 7,
  /** "an option you are trying to set is not implemented yet" (UDP, SCTP). */
  IEUNIMP: 13,
  IECTRLCLOSE: 109,
  /** "received an unknown control message". */
  IEMESSAGE: 110,
  /** "unable to receive parameters from client". */
  IERECVPARAMS: 114,
  /** "unable to receive results". */
  IERECVRESULTS: 117,
  IECLIENTTERM: 119,
  IESERVERTERM: 120,
  /** "the server is busy running a test. try again later". */
  IEACCESSDENIED: 121,
  /** "stream has an invalid id". */
  IESTREAMID: 208,
} as const;

/** Bytes of the cookie that opens the control and every data connection: 36 characters of [a-z2-7] and a NUL. */
export const COOKIE_SIZE = 37;
/** The alphabet iperf3 draws cookie characters from (`make_cookie`). */
export const COOKIE_CHARS = 'abcdefghijklmnopqrstuvwxyz234567';
/** iperf3's port. */
export const IPERF3_PORT = 5201;
/** iperf3's default TCP block (`-l`): 128 KiB. */
export const DEFAULT_TCP_BLOCK_SIZE = 128 * 1024;
/** Largest `-P` iperf3 accepts (MAX_STREAMS). */
export const MAX_STREAMS = 128;
/** Largest TCP block iperf3 accepts (MAX_BLOCKSIZE, 1 MiB). */
export const MAX_BLOCK_SIZE = 1024 * 1024;
/** Largest test iperf3 accepts, seconds (MAX_TIME: one day). */
export const MAX_TIME = 86_400;
/** Largest parameter JSON a server reads (newer iperf3's MAX_PARAMS_JSON_STRING). */
export const MAX_PARAMS_JSON = 8 * 1024;
/** Largest results JSON read (iperf3 has no limit; results with server output stay far below). */
export const MAX_RESULTS_JSON = 1024 * 1024;

/**
 * The id of the `index`-th stream of a test (0-based, in connect order):
 * 1, 3, 4, 5, ... iperf3's `iperf_add_stream` skips 2, and both ends
 * number alike, so the results of the two ends match by id.
 */
export function streamId(index: number): number {
  return index === 0 ? 1 : index + 2;
}

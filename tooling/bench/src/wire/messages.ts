// What the `wire` benchmark's server processes (server.ts) listen on and
// print: shared by the server and the suite (wire.ts), which must not import
// server.ts (it runs on import).

/** The echo port (RFC 862) and iperf3's. */
export const ECHO_PORT = 7;
export const IPERF3_PORT = 5201;

/** What a `stats` line holds. */
export interface WireStats {
  readonly event: 'stats';
  /** `performance.now()` of this process, ms. */
  readonly t: number;
  /** Datagrams the echo took (echoed or not). */
  readonly udpIn: number;
  /** TCP connections accepted, and open now. */
  readonly accepted: number;
  readonly open: number;
  /** User + system CPU time of the process, ms. */
  readonly cpuMs: number;
  /** Time the main thread spent runnable but waiting for a CPU, ms (/proc/self/schedstat). */
  readonly runWaitMs: number;
  readonly rss: number;
  /** Frames the TAP read and wrote, and those it dropped (direct only; 0 otherwise). */
  readonly rxFrames: number;
  readonly txFrames: number;
  readonly rxDropped: number;
  readonly txDropped: number;
  /** USO frames the TAP wrote, and the datagrams coalesced into them (direct only). */
  readonly usoOut: number;
  readonly udpCoalesced: number;
}

/** What a `memory` line holds (after full collections). */
export interface WireMemory {
  readonly event: 'memory';
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly external: number;
}

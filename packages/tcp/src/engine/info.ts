import { seqDiff } from './sequence.js';
import { lostBytes, pipe } from './recovery.js';
import type { TcpState, TcpError } from './state.js';
import type { Tcb } from './tcb.js';

/** Counters of one connection, for inspection and tests (like the fields of Linux's `ss -ti`). */
export interface TcpConnectionCounters {
  /** Segments sent again (after an RTO, go-back-N counts each; fast and SACK retransmits too); a GSO segment counts as its pieces. */
  retransmits: number;
  /** Payload bytes sent again (Linux's bytes_retrans). */
  bytesRetransmitted: number;
  /** Fast retransmits: third duplicate ACKs and partial ACKs (RFC 5681 §3.2, RFC 6582), and each entry into SACK recovery. */
  fastRetransmits: number;
  /** Loss recoveries driven by the SACK scoreboard (RFC 6675 §5). */
  sackRecoveries: number;
  /** Bytes the peer's SACK blocks newly reported held (each byte counted when first SACKed). */
  sackedBytes: number;
  /** SACK blocks ignored: outside SND.UNA..SND.MAX, empty, or D-SACKs below SND.UNA (RFC 2883). */
  sackBlocksIgnored: number;
  /** Times the peer acknowledged less than it had SACKed (reneging, RFC 2018 §8): the scoreboard was forgotten. */
  sackReneging: number;
  /** RTO expiries. */
  timeouts: number;
  /** Times `pathMtuChanged` lowered the send MSS (RFC 1191). */
  mtuReductions: number;
  /** Segments sent (a GSO segment counts as the pieces it stands for) and received. */
  segmentsOut: number;
  segmentsIn: number;
  /** Large segments handed out with `gsoSize` set. */
  gsoSegments: number;
  /** Challenge ACKs sent (RFC 5961) and ones the rate limit held back. */
  challengeAcks: number;
  challengeAcksLimited: number;
  /** Segments dropped by PAWS (RFC 7323 §5) or for lacking timestamps once negotiated (§3.2). */
  pawsDropped: number;
  /** Segments outside the receive window (RFC 9293 §3.10.7.4, first check). */
  outOfWindow: number;
  /** In-window data that did not start at RCV.NXT (held for reassembly when it fits; a duplicate ACK either way). */
  outOfOrder: number;
  /** Out-of-order data dropped because every reassembly range was taken. */
  outOfOrderDropped: number;
}

/** A fresh set of counters, all 0. */
export function newCounters(): TcpConnectionCounters {
  return {
    retransmits: 0, bytesRetransmitted: 0, fastRetransmits: 0, sackRecoveries: 0, sackedBytes: 0, sackBlocksIgnored: 0, sackReneging: 0,
    timeouts: 0, mtuReductions: 0, segmentsOut: 0, segmentsIn: 0, gsoSegments: 0, challengeAcks: 0, challengeAcksLimited: 0,
    pawsDropped: 0, outOfWindow: 0, outOfOrder: 0, outOfOrderDropped: 0,
  };
}

/** A snapshot of a connection's state, like `ss -ti` (plain JSON). */
export interface TcpConnectionInfo {
  readonly state: TcpState;
  readonly error: TcpError | null;
  readonly localPort: number;
  readonly remotePort: number;
  /** Payload bytes per segment we send (peer MSS, ours and the path MTU, minus options). */
  readonly mss: number;
  readonly peerMss: number;
  /** The MSS we announced (`config.mss`, capped by the route MTU − 40). */
  readonly advMss: number;
  /** Largest payload of a segment received so far (capped at `advMss`). */
  readonly rcvMss: number;
  /** Path MTU (the route MTU given at open, lowered by `pathMtuChanged`); 0 when unknown. */
  readonly pmtu: number;
  /** Largest payload per GSO segment (`gsoMaxSize`), 0 when GSO is off. */
  readonly gsoMaxSize: number;
  /** Window scale shifts (0 when scaling is off): the peer's (applied to its windows) and ours. */
  readonly sndWscale: number;
  readonly rcvWscale: number;
  readonly timestamps: boolean;
  readonly sack: boolean;
  /** The congestion window in use (during SACK recovery, ssthresh: RFC 6675 §5 step 4.2). */
  readonly cwnd: number;
  readonly ssthresh: number;
  /** In fast recovery (RFC 6582, or RFC 6675 with SACK). */
  readonly recovering: boolean;
  /** Smoothed RTT and its variation in ms (0 before the first sample), RFC 6298 §2. */
  readonly srtt: number;
  readonly rttvar: number;
  readonly rto: number;
  /** Consecutive RTO expiries without progress (the retry count). */
  readonly backoff: number;
  /** SND.MAX − SND.UNA: bytes sent and not yet cumulatively acknowledged. */
  readonly bytesInFlight: number;
  /** Bytes of those the peer SACKed, the ones counted lost (RFC 6675 IsLost), and RFC 6675's pipe (else FlightSize). */
  readonly sacked: number;
  readonly lost: number;
  readonly pipe: number;
  /** Peer's window in bytes (scaled) and the window we last advertised. */
  readonly sndWnd: number;
  readonly rcvWnd: number;
  readonly sendBuffered: number;
  readonly sendBufferSize: number;
  readonly recvBuffered: number;
  readonly recvBufferSize: number;
  readonly counters: Readonly<TcpConnectionCounters>;
}

/** The `TcpConnectionInfo` of `t` (allocates: for inspection, not the per-segment path). */
export function connectionInfo(t: Tcb): TcpConnectionInfo {
  const sackRecovery = t.inRecovery && t.sackOn;
  return {
    state: t.st,
    error: t.err,
    localPort: t.localPort,
    remotePort: t.remotePort,
    mss: t.effMss,
    peerMss: t.peerMss,
    advMss: t.advMss,
    rcvMss: t.rcvMss,
    pmtu: t.pmtu,
    gsoMaxSize: t.gsoMax,
    sndWscale: t.sndWs,
    rcvWscale: t.rcvWs,
    timestamps: t.tsOn,
    sack: t.sackOn,
    cwnd: sackRecovery ? t.cc.ssthresh : t.cc.cwnd,
    ssthresh: t.cc.ssthresh,
    recovering: t.inRecovery,
    srtt: Math.max(t.rtt.srtt, 0),
    rttvar: t.rtt.rttvar,
    rto: t.rtt.rto,
    backoff: t.retries,
    bytesInFlight: seqDiff(t.sndMax, t.sndUna),
    sacked: t.sack.bytes,
    lost: lostBytes(t),
    pipe: pipe(t),
    sndWnd: t.sndWnd,
    rcvWnd: Math.max(seqDiff(t.rcvAdvRight, t.rcvNxt), 0),
    sendBuffered: t.sendBuf.length,
    sendBufferSize: t.sendBuf.capacity,
    recvBuffered: t.recvBuf.length,
    recvBufferSize: t.recvBuf.capacity,
    counters: { ...t.counters },
  };
}

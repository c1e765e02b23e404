import type { DeviceStats } from '@stack/interfaces';

/** Why a TAP device dropped frames (`stats.dropped.<reason>`). */
export interface TapDropCounters {
  /** Receive: shorter than the virtio header + an Ethernet header. Transmit: shorter than an Ethernet header. */
  runt: number;
  /** Receive: larger than a receive slot (the kernel's MTU is above ours). Transmit: larger than mtu (gsoMaxSize for GSO) + headers. */
  oversize: number;
  /** Receive: a virtio-net header with an unknown GSO type, a GSO frame without gso_size, or a checksum range outside the frame. */
  badHeader: number;
  /** Receive: no handler was set. */
  noHandler: number;
  /** Transmit: the device is closed (also frames still queued at close). */
  closed: number;
  /** Transmit: the write queue was full (the kernel said EAGAIN and the queue filled meanwhile). */
  queueFull: number;
  /** Transmit: TxMeta asked for what the device cannot do: GSO without TSO negotiated, GSO of a frame that is not Ethernet + IP + TCP, a checksum field outside the frame. */
  offload: number;
  /** Transmit: the kernel refused the write (the errno is in `lastWriteError`); a refused USO frame counts each datagram in it. */
  writeError: number;
}

/** Counters of a TAP device: the DeviceStats plus batches, offload use and drops by reason. */
export interface TapStats extends DeviceStats {
  /** Native read batches (one JS call each, up to `batchFrames` frames). */
  rxBatches: number;
  /** Native write batches (one JS→C call each). */
  txBatches: number;
  /** Coalesced TCP segments received (virtio gso_type ≠ 0: up to 64 KiB, larger than the MTU). */
  gsoIn: number;
  /** TCP GSO frames written for the kernel to cut (TxMeta.gsoSize > 0). */
  gsoOut: number;
  /** Coalesced UDP runs written as one USO frame each (`coalesceUdp`). */
  usoOut: number;
  /** UDP datagrams that left inside those USO frames (each also counts in txFrames). */
  udpCoalesced: number;
  /** Received frames flagged NEEDS_CSUM (checksum left partial: `RxMeta.checksumPartial`). */
  csumPartialIn: number;
  /** Frames written with NEEDS_CSUM (checksum left to the kernel). */
  csumOffloadOut: number;
  /** Reads that failed (the device went away); reading stops after one. */
  readErrors: number;
  readonly dropped: TapDropCounters;
}

/** Fresh zeroed counters. */
export function newTapStats(): TapStats {
  return {
    rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0,
    rxBatches: 0, txBatches: 0, gsoIn: 0, gsoOut: 0, usoOut: 0, udpCoalesced: 0, csumPartialIn: 0, csumOffloadOut: 0, readErrors: 0,
    dropped: { runt: 0, oversize: 0, badHeader: 0, noHandler: 0, closed: 0, queueFull: 0, offload: 0, writeError: 0 },
  };
}

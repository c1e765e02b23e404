/**
 * Which way a frame went, as seen from the capturing device: pcapng's
 * epb_flags direction bits (pcapng draft §4.3.1). Classic pcap has no place
 * for it and drops it.
 */
export type PacketDirection = 'inbound' | 'outbound';

/**
 * Anything that records frames with a time: `PcapWriter`, `PcapngWriter`, one
 * interface of a `PcapngWriter`, or your own. `@stack/netif`'s `withPcap`
 * takes one of these.
 */
export interface PacketRecorder {
  /**
   * Records `frame` (an Ethernet frame, consumed during the call) at `timeMs`
   * milliseconds of the caller's clock (virtual time in a simulation).
   */
  writePacket(timeMs: number, frame: Uint8Array, direction?: PacketDirection): void;
}

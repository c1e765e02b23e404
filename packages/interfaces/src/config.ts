import type { Ipv4Address, Ipv4Cidr, MacAddress } from './address.js';

// One typed config per layer (DESIGN.md, "State is explicit"). Every field is
// optional on input; each layer exports its DEFAULTS and a resolve function,
// and `stack.config` returns the resolved (Required) form.

/** @stack/ethif */
export interface EthernetConfig {
  /** Accept frames to any destination MAC (default false). */
  promiscuous?: boolean;
  /** Multicast MACs accepted from the start (default none). */
  multicast?: readonly MacAddress[];
  /**
   * Put this interface in 802.1Q VLAN `vlan` (1..4094): every frame is sent
   * tagged with it, only frames tagged with it are accepted (untagged and
   * other VIDs are dropped, counted dropped.vlan); default none: untagged
   * only, tagged frames dropped (except priority-tagged frames, VID 0, which
   * IEEE 802.1Q classifies like untagged ones and Linux accepts: their tag is
   * stripped).
   */
  vlan?: number;
}

/** @stack/arp */
export interface ArpConfig {
  /** Max entries in the cache; the oldest non-static entry is evicted (default 512). */
  cacheSize?: number;
  /** How long a learned entry stays reachable, ms (default 60_000). */
  reachableTime?: number;
  /** How long a failed resolution is remembered (negative cache), ms (default 3_000). */
  failureTime?: number;
  /** Requests sent before giving up on an address (default 3). */
  retries?: number;
  /** Interval between requests for one address, ms (default 1_000). */
  retryInterval?: number;
  /** Max packets queued per unresolved address (default 64: every fragment of a 64 KB datagram; older ones dropped). */
  queuePerAddress?: number;
  /** Max packets queued in all (default 256). */
  queueTotal?: number;
  /** Max ARP requests sent per second, all addresses (default 50). */
  requestsPerSecond?: number;
  /** RFC 5227 probe: probes sent (default 3) and announcements (default 2). */
  probeCount?: number;
  announceCount?: number;
  /** RFC 5227 PROBE_MIN/PROBE_MAX/ANNOUNCE_INTERVAL, ms (defaults 1_000, 2_000, 2_000). */
  probeMin?: number;
  probeMax?: number;
  announceInterval?: number;
  /** Static entries. */
  static?: readonly { ip: Ipv4Address; mac: MacAddress }[];
}

/** @stack/ipv4 */
export interface Ipv4Config {
  /** Our address and network. */
  address: Ipv4Cidr;
  /** Default gateway (default none). */
  gateway?: Ipv4Address | null;
  /** TTL of datagrams we originate (default 64). */
  ttl?: number;
  /** Reassembly: datagrams in flight at most (default 64). */
  reassemblyMaxDatagrams?: number;
  /** Reassembly: bytes held at most, all datagrams (default 1 MiB). */
  reassemblyMaxBytes?: number;
  /** Reassembly: a datagram incomplete this long is discarded, ms (default 30_000, RFC 791 suggests 15 s). */
  reassemblyTimeout?: number;
  /** Largest datagram we reassemble (default 65_535). */
  maxDatagramSize?: number;
  /** Accept directed and limited broadcasts (default true). */
  acceptBroadcast?: boolean;
  /** Lowest path MTU we accept from ICMP (default 552). */
  minPathMtu?: number;
  /** How long a learned path MTU is kept, ms (default 600_000, RFC 1191 §6.3). */
  pathMtuTimeout?: number;
  /** Destinations with a learned path MTU remembered at once; the oldest is forgotten first (default 1_024). */
  pathMtuCacheSize?: number;
  /** Datagrams to our own address queued for delivery through the scheduler, at most; more are refused (default 64). */
  loopbackQueue?: number;
}

/** @stack/icmp */
export interface IcmpConfig {
  /** Answer echo requests (default true). */
  replyToEcho?: boolean;
  /** Answer echo requests sent to a broadcast address (default false). */
  replyToBroadcastEcho?: boolean;
  /** Error rate limit: token bucket size (default 10)... */
  errorBurst?: number;
  /** ...refilled at this many tokens per second (default 10). */
  errorsPerSecond?: number;
  /** Default ping timeout, ms (default 1_000). */
  pingTimeout?: number;
  /** Most pings outstanding at once (default 1_024). */
  maxOutstandingPings?: number;
}

/** @stack/udp */
export interface UdpConfig {
  /** Ephemeral port range, inclusive (default 49152..65535, RFC 6335). */
  ephemeralMin?: number;
  ephemeralMax?: number;
  /** Compute checksums on send (default true; false sends zero = none). */
  sendChecksum?: boolean;
  /** Send ICMP port unreachable for closed ports (default true). */
  portUnreachable?: boolean;
}

/** A whole direct stack: one device, one address. */
export interface StackDirectConfig {
  /** A name for logs and `inspect()` (default the device's name). */
  name?: string;
  ethernet?: EthernetConfig;
  arp?: ArpConfig;
  ipv4: Ipv4Config;
  icmp?: IcmpConfig;
  udp?: UdpConfig;
}

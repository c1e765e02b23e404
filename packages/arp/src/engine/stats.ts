/**
 * Counters of the ARP layer (plain numbers, so `inspect()` is plain JSON).
 * `rx` counts every ARP payload handed in (drops included); `tx` every ARP
 * packet Ethernet accepted (requests, replies, probes, announcements).
 */
export interface ArpStats {
  rx: number;
  tx: number;
  /** Resolution and revalidation requests sent. */
  requestsSent: number;
  /** Replies to requests for our address. */
  repliesSent: number;
  /** RFC 5227 probes sent. */
  probesSent: number;
  /** Gratuitous announcements sent (by `announce()` or to defend our address). */
  announcementsSent: number;
  /** Queued packets sent after their next hop resolved. */
  flushed: number;
  /** Another host claimed our address or an address we probed (RFC 5227 §2.1.1, §2.4). */
  conflicts: number;
  dropped: ArpDropped;
}

/** Drops by reason; the names are part of the documented API. */
export interface ArpDropped {
  /** Shorter than 28 bytes (or than the 8-byte fixed part). */
  truncated: number;
  /** Not Ethernet/IPv4, or an operation other than request/reply. */
  unsupported: number;
  /** Wrong address lengths, or a multicast/broadcast/loopback sender or multicast/loopback target IP. */
  malformed: number;
  /** Sender MAC is our own (our packet looped back). */
  ownSender: number;
  /** Sender MAC is broadcast or multicast (forbidden as a source). */
  multicastSender: number;
  /** Queued packets pushed out by newer ones (per address or in all). */
  queueFull: number;
  /** Packets whose next hop did not resolve (failed, negatively cached, or removed). */
  unresolved: number;
  /** Queued packets lost when their incomplete entry was evicted to make room. */
  evicted: number;
  /** Requests not sent because of `requestsPerSecond`. */
  rateLimited: number;
  /** A new entry was refused because the cache is full of static entries. */
  cacheFull: number;
  /** A packet to be queued was larger than the link carries. */
  tooBig: number;
  /** Packets still queued when the layer closed. */
  closed: number;
  [reason: string]: number;
}

/** Fresh zeroed counters. */
export function newArpStats(): ArpStats {
  return {
    rx: 0,
    tx: 0,
    requestsSent: 0,
    repliesSent: 0,
    probesSent: 0,
    announcementsSent: 0,
    flushed: 0,
    conflicts: 0,
    dropped: {
      truncated: 0,
      unsupported: 0,
      malformed: 0,
      ownSender: 0,
      multicastSender: 0,
      queueFull: 0,
      unresolved: 0,
      evicted: 0,
      rateLimited: 0,
      cacheFull: 0,
      tooBig: 0,
      closed: 0,
    },
  };
}

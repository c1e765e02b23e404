import type { ArpEntry, Ipv4Address, MacAddress, Random, TxMeta } from '@stack/interfaces';
import { MAC_BROADCAST, isIpv4Multicast, isMacMulticast } from '@stack/wire';
import type { ResolvedArpConfig } from '../config.js';
import { ArpOperation, type ArpRepr } from '../wire/arp.js';
import { newArpStats, type ArpStats } from './stats.js';
import { TokenBucket } from './token-bucket.js';

/** Why the engine asks for an ARP packet to be sent (each has its own counter). */
export type ArpSendReason = 'request' | 'reply' | 'probe' | 'announce';

/**
 * What the engine asks its layer to do. The layer drains them after each
 * call. The engine reuses these objects (and the array `takeActions()`
 * returns): they are valid until the next `takeActions()`.
 */
export type ArpAction =
  /** Send an ARP packet to `dst` (broadcast or unicast). */
  | { readonly kind: 'arp'; readonly dst: MacAddress; readonly packet: ArpRepr; readonly reason: ArpSendReason }
  /** Send a queued packet now that its next hop resolved, in the order it was written, with the offload meta it was written with. */
  | { readonly kind: 'packet'; readonly dst: MacAddress; readonly etherType: number; readonly bytes: Uint8Array; readonly meta: TxMeta | undefined }
  /** A probe finished: `free` unless a conflict was seen (or the engine was cleared). */
  | { readonly kind: 'probe-done'; readonly id: number; readonly free: boolean };

/** One cache entry as `entries()` shows it: the `ArpEntry` contract plus two fields for `inspect()`. */
export interface ArpEntrySnapshot extends ArpEntry {
  /** A negative entry: resolution failed; writes are refused until `expiresAt`. Shown as state 'incomplete'. */
  readonly failed: boolean;
  /** Packets waiting for this entry to resolve. */
  readonly queued: number;
}

type State = 'incomplete' | 'reachable' | 'stale' | 'static' | 'failed';

interface Queued {
  readonly etherType: number;
  readonly bytes: Uint8Array;
  /** The write's offload meta (a copy: the writer may reuse its object). */
  readonly meta: TxMeta | undefined;
  /** Global write order, to drop the oldest packet of all when `queueTotal` is reached. */
  readonly seq: number;
}

interface Entry {
  readonly ip: Ipv4Address;
  /** -1 while unknown. */
  mac: MacAddress;
  state: State;
  /** reachable: when it turns stale; stale: when it is forgotten if unused; failed: end of the negative entry. */
  expiresAt: number;
  /** Requests sent (or attempted, if rate limited) in the resolution or revalidation under way; 0 when none is. */
  attempts: number;
  /** When the next request goes out (or resolution is given up); Infinity when none is under way. */
  retryAt: number;
  queue: Queued[];
}

interface Probe {
  readonly id: number;
  readonly ip: Ipv4Address;
  sent: number;
  nextAt: number;
}

/** A reusable 'arp' action with its own packet repr: mutable here, read-only to the layer. */
interface ArpSend {
  readonly kind: 'arp';
  dst: MacAddress;
  reason: ArpSendReason;
  readonly packet: { operation: number; senderMac: MacAddress; senderIp: Ipv4Address; targetMac: MacAddress; targetIp: Ipv4Address };
}

/** A reusable 'packet' action. */
interface PacketSend {
  readonly kind: 'packet';
  dst: MacAddress;
  etherType: number;
  bytes: Uint8Array;
  meta: TxMeta | undefined;
}

const NO_BYTES = new Uint8Array(0);
/** A placeholder too large for a V8 small integer (see ActionBuffer). */
const BIG = 0xffff_ffff_ffff;

/**
 * One side of the engine's double buffer of actions: the list handed out,
 * and pools of action objects that grow to the largest batch ever made and
 * are reused, so a packet in or out allocates no action.
 */
class ActionBuffer {
  readonly list: ArpAction[] = [];
  private readonly arps: ArpSend[] = [];
  private readonly packets: PacketSend[] = [];
  private arpsUsed = 0;
  private packetsUsed = 0;

  arp(dst: MacAddress, reason: ArpSendReason, operation: number, senderMac: MacAddress, senderIp: Ipv4Address, targetMac: MacAddress, targetIp: Ipv4Address): void {
    let a = this.arps[this.arpsUsed];
    if (a === undefined) {
      // Fields that hold MACs and addresses start as non-small numbers, so V8 gives them a
      // double representation stored in place: setting them later allocates nothing.
      a = { kind: 'arp', dst: BIG, reason, packet: { operation: 0, senderMac: BIG, senderIp: BIG, targetMac: BIG, targetIp: BIG } };
      this.arps.push(a);
    }
    this.arpsUsed++;
    a.dst = dst;
    a.reason = reason;
    const p = a.packet;
    p.operation = operation;
    p.senderMac = senderMac;
    p.senderIp = senderIp;
    p.targetMac = targetMac;
    p.targetIp = targetIp;
    this.list.push(a);
  }

  packet(dst: MacAddress, etherType: number, bytes: Uint8Array, meta: TxMeta | undefined): void {
    let a = this.packets[this.packetsUsed];
    if (a === undefined) {
      a = { kind: 'packet', dst: BIG, etherType: 0, bytes: NO_BYTES, meta: undefined };
      this.packets.push(a);
    }
    this.packetsUsed++;
    a.dst = dst;
    a.etherType = etherType;
    a.bytes = bytes;
    a.meta = meta;
    this.list.push(a);
  }

  /** Empties the list for reuse; lets go of the packets it held (they were sent). */
  clear(): void {
    for (let i = 0; i < this.packetsUsed; i++) {
      const p = this.packets[i]!;
      p.bytes = NO_BYTES;
      p.meta = undefined;
    }
    this.arpsUsed = 0;
    this.packetsUsed = 0;
    // pop, not `length = 0`: V8 gives an array emptied that way a new backing store on the next push.
    while (this.list.length > 0) this.list.pop();
  }
}

/** RFC 5227 §1.1 DEFEND_INTERVAL: at most one defending announcement per 10 s. */
const DEFEND_INTERVAL = 10_000;
const ZERO_MAC = 0;

/**
 * The sans-IO ARP engine (RFC 826, RFC 1122 §2.3.2, RFC 5227). It owns the
 * cache, the packets waiting for resolution, the request rate limit, probes
 * and announcements. Every method takes `now` (ms) and leaves what must be
 * sent in an action list (`takeActions()`); `nextDeadline()` says when
 * `poll(now)` must run next. It never reads a clock or schedules a timer, so
 * one timer in the layer serves every entry.
 *
 * Entry life: `incomplete` (requests every `retryInterval`, up to `retries`;
 * then a negative entry for `failureTime`) → `reachable` for `reachableTime`
 * → `stale`: still used, and the next use sends a unicast request to
 * revalidate (RFC 1122 §2.3.2.1); unanswered, the entry is dropped; unused
 * for another `reachableTime`, it is forgotten. `static` entries never change.
 */
export class ArpEngine {
  readonly config: ResolvedArpConfig;
  readonly stats: ArpStats;
  /** Our MAC: the sender hardware address of what we send. */
  readonly mac: MacAddress;
  /** Our IPv4 address (0: none; then we answer nothing). */
  address: Ipv4Address;

  private readonly random: Random;
  /** Insertion order is age order: a confirmed entry moves to the end, eviction takes from the front. */
  private readonly cache = new Map<Ipv4Address, Entry>();
  /** Entries that hold queued packets. */
  private readonly waiting = new Set<Entry>();
  private queued = 0;
  private seq = 0;
  private readonly bucket: TokenBucket;
  /** A lower bound of the next deadline: may be early (a spurious wake-up is harmless), never late. */
  private earliest = Infinity;
  private probes: Probe[] = [];
  private probeIds = 0;
  private announceLeft = 0;
  private announceAt = Infinity;
  private lastDefense = -Infinity;
  /** Actions are added to `out`; `takeActions()` hands it out and swaps in `spare`. */
  private out = new ActionBuffer();
  private spare = new ActionBuffer();
  /**
   * The entry last appended to `cache` (by create or confirm), so confirming
   * it again needs no delete + set (which makes V8 rehash the Map, allocating).
   * Entries are only confirmed while in the cache, so when this one is, it is
   * the youngest; once deleted it matches no live entry.
   */
  private youngest: Entry | undefined;

  constructor(config: ResolvedArpConfig, mac: MacAddress, random: Random, now = 0, stats: ArpStats = newArpStats()) {
    this.config = config;
    this.mac = mac;
    this.address = config.address;
    this.random = random;
    this.stats = stats;
    this.bucket = new TokenBucket(config.requestsPerSecond, Math.max(1, config.requestsPerSecond), now);
    for (const s of config.static) this.addStatic(s.ip, s.mac);
  }

  /** True when actions are waiting to be taken. */
  get hasActions(): boolean {
    return this.out.list.length > 0;
  }

  /**
   * Takes the actions produced so far, in order. The array and the objects
   * in it are the engine's own, reused: valid until the next `takeActions()`
   * (copy what you keep). No allocation.
   */
  takeActions(): readonly ArpAction[] {
    const taken = this.out;
    this.out = this.spare;
    this.spare = taken;
    this.out.clear();
    return taken.list;
  }

  /** When `poll` must next run (ms), or Infinity when nothing is timed. May be early, never late. */
  nextDeadline(): number {
    return this.earliest;
  }

  /** Entries in the cache (all states). */
  get size(): number {
    return this.cache.size;
  }

  /** Packets waiting for resolution, all addresses. */
  get queuedPackets(): number {
    return this.queued;
  }

  /** The MAC of `ip` if known (reachable, stale or static). No side effects. */
  lookup(ip: Ipv4Address): MacAddress | undefined {
    const e = this.cache.get(ip);
    if (e === undefined) return undefined;
    return e.state === 'reachable' || e.state === 'stale' || e.state === 'static' ? e.mac : undefined;
  }

  /**
   * The MAC to send to `ip` now, or undefined when it must be resolved
   * first. Using a stale entry starts its revalidation. Allocates nothing
   * for a reachable entry.
   */
  resolve(ip: Ipv4Address, now: number): MacAddress | undefined {
    const e = this.cache.get(ip);
    if (e === undefined) return undefined;
    if (e.state === 'reachable') {
      if (now < e.expiresAt) return e.mac;
      this.toStale(e);
    }
    if (e.state === 'stale') {
      if (e.attempts === 0) this.revalidate(e, now);
      return e.mac;
    }
    return e.state === 'static' ? e.mac : undefined;
  }

  /** True while `ip` is negatively cached: a write would be refused at once. */
  isFailed(ip: Ipv4Address, now: number): boolean {
    const e = this.cache.get(ip);
    return e !== undefined && e.state === 'failed' && now < e.expiresAt;
  }

  /**
   * Queues `bytes` (an `etherType` payload, owned by the engine from now on)
   * until `ip` resolves, starting the resolution if none is under way. False
   * when it was refused (negative entry, no room); counted. `meta`, the
   * write's offload instructions, is kept with it (owned by the engine too:
   * pass a copy) and handed back in the 'packet' action.
   */
  enqueue(ip: Ipv4Address, etherType: number, bytes: Uint8Array, now: number, meta?: TxMeta): boolean {
    const c = this.config;
    const dropped = this.stats.dropped;
    let e = this.cache.get(ip);
    if (e !== undefined && e.state === 'failed') {
      if (now < e.expiresAt) {
        dropped.unresolved++;
        return false;
      }
      this.cache.delete(ip);
      e = undefined;
    }
    if (e !== undefined && e.state !== 'incomplete') {
      const mac = this.resolve(ip, now)!;
      this.out.packet(mac, etherType, bytes, meta);
      return true;
    }
    if (e === undefined) {
      e = this.create(ip, 'incomplete');
      if (e === undefined) {
        dropped.cacheFull++;
        return false;
      }
      e.attempts = 1;
      e.retryAt = now + c.retryInterval;
      this.request(ip, MAC_BROADCAST, now);
      this.deadline(e.retryAt);
    }
    if (c.queuePerAddress === 0 || c.queueTotal === 0) {
      dropped.queueFull++;
      return false;
    }
    if (e.queue.length >= c.queuePerAddress) {
      e.queue.shift();
      this.queued--;
      dropped.queueFull++;
    } else if (this.queued >= c.queueTotal) {
      this.dropOldestQueued();
    }
    e.queue.push({ etherType, bytes, meta, seq: this.seq++ });
    this.queued++;
    this.waiting.add(e);
    return true;
  }

  /**
   * Handles a received ARP packet (RFC 826 "Packet Reception", with RFC
   * 5227 conflict detection). Learns only what RFC 826's merge rule allows,
   * and what we asked for: an existing entry is updated by any packet from
   * its address; a new one is created only by a request for our address.
   * `p` is a repr or a checked `ArpView` (what the layer passes, so no repr
   * is built per packet); it is read during the call only.
   */
  input(p: ArpRepr, now: number): void {
    // Each field read once: `p` may be an ArpView, whose getters read the bytes.
    const senderMac = p.senderMac;
    const operation = p.operation;
    const senderIp = p.senderIp;
    const targetIp = p.targetIp;
    const dropped = this.stats.dropped;
    if (senderMac === this.mac) {
      dropped.ownSender++;
      return;
    }
    if (isMacMulticast(senderMac)) {
      dropped.multicastSender++;
      return;
    }
    if (operation !== ArpOperation.Request && operation !== ArpOperation.Reply) {
      dropped.unsupported++;
      return;
    }
    if (badSenderIp(senderIp) || badTargetIp(targetIp)) {
      dropped.malformed++;
      return;
    }
    const isProbe = senderIp === 0;
    if (this.probes.length > 0) this.checkProbes(operation, senderIp, targetIp, isProbe);

    const ours = this.address !== 0;
    if (ours && senderIp === this.address) {
      // RFC 5227 §2.4: another host uses our address. Never learn it; defend (b) at most once per DEFEND_INTERVAL.
      this.stats.conflicts++;
      if (now - this.lastDefense >= DEFEND_INTERVAL) {
        this.lastDefense = now;
        this.announcement();
      }
      return;
    }

    let merged = false;
    if (!isProbe) {
      const e = this.cache.get(senderIp);
      if (e !== undefined) {
        merged = true;
        if (e.state !== 'static') this.confirm(e, senderMac, now);
      }
    }
    if (!ours || targetIp !== this.address) return;
    if (operation !== ArpOperation.Request) return; // a reply to us we did not ask for: not learned
    if (!merged && !isProbe) {
      const e = this.create(senderIp, 'incomplete');
      if (e === undefined) dropped.cacheFull++;
      else this.confirm(e, senderMac, now);
    }
    // Answer, to the sender's MAC. A probe (sender IP 0) gets target IP 0, as Linux does: that is our defence.
    this.out.arp(senderMac, 'reply', ArpOperation.Reply, this.mac, this.address, senderMac, senderIp);
  }

  /** Adds (or turns an entry into) a static entry; packets waiting for it go out. */
  addStatic(ip: Ipv4Address, mac: MacAddress): void {
    const e = this.cache.get(ip) ?? this.create(ip, 'static')!;
    e.mac = mac;
    e.state = 'static';
    e.expiresAt = Infinity;
    e.attempts = 0;
    e.retryAt = Infinity;
    if (e.queue.length > 0) this.flush(e);
  }

  /** Removes the entry of `ip`, static or not; its queued packets are dropped (`unresolved`). */
  remove(ip: Ipv4Address): void {
    const e = this.cache.get(ip);
    if (e === undefined) return;
    this.stats.dropped.unresolved += this.dropQueue(e);
    this.cache.delete(ip);
  }

  /**
   * Starts an RFC 5227 §2.1.1 probe of `ip`: after a random 0..probeWait ms,
   * `probeCount` probes (sender IP 0) spaced randomly probeMin..probeMax ms
   * apart, then `announceWait` ms of listening. Ends with a `probe-done`
   * action; returns its id.
   */
  startProbe(ip: Ipv4Address, now: number): number {
    const probe: Probe = { id: ++this.probeIds, ip, sent: 0, nextAt: now + this.uniform(0, this.config.probeWait) };
    this.probes.push(probe);
    this.deadline(probe.nextAt);
    return probe.id;
  }

  /**
   * Starts RFC 5227 §2.3 announcements of our address: `announceCount`
   * gratuitous requests `announceInterval` ms apart, the first at once.
   * Restarts a series under way. Does nothing without an address.
   */
  startAnnounce(now: number): void {
    if (this.address === 0 || this.config.announceCount === 0) return;
    this.announcement();
    this.announceLeft = this.config.announceCount - 1;
    this.announceAt = this.announceLeft > 0 ? now + this.config.announceInterval : Infinity;
    this.deadline(this.announceAt);
  }

  /** Runs whatever is due at `now`: retries, failures, ageing, probes, announcements. */
  poll(now: number): void {
    let next = Infinity;
    this.earliest = Infinity;
    for (const e of this.cache.values()) {
      this.service(e, now);
      if (this.cache.get(e.ip) === e) next = Math.min(next, entryDeadline(e));
    }
    for (const probe of [...this.probes]) {
      if (now >= probe.nextAt) this.serviceProbe(probe, now);
    }
    for (const probe of this.probes) next = Math.min(next, probe.nextAt);
    if (this.announceLeft > 0 && now >= this.announceAt) {
      this.announcement();
      this.announceLeft--;
      this.announceAt = this.announceLeft > 0 ? now + this.config.announceInterval : Infinity;
    }
    next = Math.min(next, this.announceAt);
    this.earliest = Math.min(this.earliest, next);
  }

  /** The cache as plain JSON-able objects (RFC-neutral; for `stack.inspect()`). */
  entries(now: number): ArpEntrySnapshot[] {
    const list: ArpEntrySnapshot[] = [];
    for (const e of this.cache.values()) {
      const failed = e.state === 'failed';
      let state: ArpEntry['state'];
      if (e.state === 'failed') state = 'incomplete';
      else if (e.state === 'reachable' && now >= e.expiresAt) state = 'stale';
      else state = e.state;
      const expiresAt = e.state === 'static' ? null : e.state === 'incomplete' ? e.retryAt : e.expiresAt;
      list.push({ ip: e.ip, mac: e.mac < 0 ? null : e.mac, state, expiresAt, failed, queued: e.queue.length });
    }
    return list;
  }

  /**
   * Drops every queued packet (`dropped.closed`), ends probes as not free
   * and stops announcements: what `close()` needs. Nothing is timed after.
   */
  clear(): void {
    for (const e of this.waiting) this.stats.dropped.closed += e.queue.length;
    for (const e of this.waiting) e.queue = [];
    this.waiting.clear();
    this.queued = 0;
    for (const probe of this.probes) this.out.list.push({ kind: 'probe-done', id: probe.id, free: false });
    this.probes = [];
    this.announceLeft = 0;
    this.announceAt = Infinity;
    this.earliest = Infinity;
  }

  // ------------------------------------------------------------------ internals

  private deadline(time: number): void {
    if (time < this.earliest) this.earliest = time;
  }

  private uniform(min: number, max: number): number {
    return Math.min(max, min + Math.floor((this.random.u32() / 0x1_0000_0000) * (max - min + 1)));
  }

  /** Creates an entry, evicting the oldest non-static one when full. Undefined if all are static (a static one is still made). */
  private create(ip: Ipv4Address, state: State): Entry | undefined {
    if (this.cache.size >= this.config.cacheSize && !this.evictOldest() && state !== 'static') return undefined;
    const e: Entry = { ip, mac: -1, state, expiresAt: Infinity, attempts: 0, retryAt: Infinity, queue: [] };
    this.cache.set(ip, e);
    this.youngest = e;
    return e;
  }

  private evictOldest(): boolean {
    for (const e of this.cache.values()) {
      if (e.state === 'static') continue;
      this.stats.dropped.evicted += this.dropQueue(e);
      this.cache.delete(e.ip);
      return true;
    }
    return false;
  }

  /** Empties an entry's queue; returns how many packets it held. */
  private dropQueue(e: Entry): number {
    const n = e.queue.length;
    if (n > 0) {
      e.queue.length = 0;
      this.queued -= n;
      this.waiting.delete(e);
    }
    return n;
  }

  private dropOldestQueued(): void {
    let oldest: Entry | undefined;
    for (const e of this.waiting) if (oldest === undefined || e.queue[0]!.seq < oldest.queue[0]!.seq) oldest = e;
    if (oldest === undefined) return;
    oldest.queue.shift();
    this.queued--;
    this.stats.dropped.queueFull++;
    if (oldest.queue.length === 0) this.waiting.delete(oldest);
  }

  /** The neighbour at `e.ip` is at `mac` (a reply, a request, a gratuitous ARP): reachable again, queue flushed. */
  private confirm(e: Entry, mac: MacAddress, now: number): void {
    if (e.mac !== mac) e.mac = mac; // a MAC is no small integer: storing one may box it, so only on change
    e.state = 'reachable';
    e.expiresAt = now + this.config.reachableTime;
    e.attempts = 0;
    e.retryAt = Infinity;
    if (this.youngest !== e) {
      this.cache.delete(e.ip); // move to the young end
      this.cache.set(e.ip, e);
      this.youngest = e;
    }
    this.deadline(e.expiresAt);
    if (e.queue.length > 0) this.flush(e);
  }

  private flush(e: Entry): void {
    for (const q of e.queue) this.out.packet(e.mac, q.etherType, q.bytes, q.meta);
    this.dropQueue(e);
  }

  private toStale(e: Entry): void {
    e.state = 'stale';
    e.expiresAt += this.config.reachableTime;
  }

  private revalidate(e: Entry, now: number): void {
    e.attempts = 1;
    e.retryAt = now + this.config.retryInterval;
    this.request(e.ip, e.mac, now);
    this.deadline(e.retryAt);
  }

  /** Sends a request for `ip` to `dst` (broadcast, or the cached MAC to revalidate), within the rate limit. */
  private request(ip: Ipv4Address, dst: MacAddress, now: number): void {
    if (!this.bucket.take(now)) {
      this.stats.dropped.rateLimited++;
      return;
    }
    this.out.arp(dst, 'request', ArpOperation.Request, this.mac, this.address, ZERO_MAC, ip);
  }

  /** RFC 5227 §2.3 announcement: a broadcast request with sender and target IP both ours. */
  private announcement(): void {
    this.out.arp(MAC_BROADCAST, 'announce', ArpOperation.Request, this.mac, this.address, ZERO_MAC, this.address);
  }

  private fail(e: Entry, now: number): void {
    this.stats.dropped.unresolved += this.dropQueue(e);
    if (this.config.failureTime <= 0) {
      this.cache.delete(e.ip);
      return;
    }
    e.state = 'failed';
    e.mac = -1;
    e.expiresAt = now + this.config.failureTime;
    e.attempts = 0;
    e.retryAt = Infinity;
  }

  private service(e: Entry, now: number): void {
    const c = this.config;
    switch (e.state) {
      case 'incomplete':
        if (now < e.retryAt) return;
        if (e.attempts >= c.retries) {
          this.fail(e, now);
        } else {
          e.attempts++;
          e.retryAt = now + c.retryInterval;
          this.request(e.ip, MAC_BROADCAST, now);
        }
        return;
      case 'reachable':
        if (now < e.expiresAt) return;
        this.toStale(e);
        if (now >= e.expiresAt) this.cache.delete(e.ip); // woken so late that it is past its stale life too
        return;
      case 'stale':
        if (e.attempts === 0) {
          if (now >= e.expiresAt) this.cache.delete(e.ip);
        } else if (now >= e.retryAt) {
          if (e.attempts >= c.retries) {
            this.cache.delete(e.ip); // no answer to revalidation: forget it; the next write resolves afresh
          } else {
            e.attempts++;
            e.retryAt = now + c.retryInterval;
            this.request(e.ip, e.mac, now);
          }
        }
        return;
      case 'failed':
        if (now >= e.expiresAt) this.cache.delete(e.ip);
        return;
      case 'static':
        return;
    }
  }

  private serviceProbe(probe: Probe, now: number): void {
    const c = this.config;
    if (probe.sent < c.probeCount) {
      this.out.arp(MAC_BROADCAST, 'probe', ArpOperation.Request, this.mac, 0, ZERO_MAC, probe.ip);
      probe.sent++;
      probe.nextAt = now + (probe.sent < c.probeCount ? this.uniform(c.probeMin, c.probeMax) : c.announceWait);
      return;
    }
    this.finishProbe(probe, true);
  }

  /** RFC 5227 §2.1.1: a conflict is any ARP with the probed address as sender, or another host's probe for it. */
  private checkProbes(operation: number, senderIp: Ipv4Address, targetIp: Ipv4Address, isProbe: boolean): void {
    for (const probe of [...this.probes]) {
      if (senderIp === probe.ip || (isProbe && operation === ArpOperation.Request && targetIp === probe.ip)) {
        this.stats.conflicts++;
        this.finishProbe(probe, false);
      }
    }
  }

  private finishProbe(probe: Probe, free: boolean): void {
    this.probes = this.probes.filter((x) => x !== probe);
    this.out.list.push({ kind: 'probe-done', id: probe.id, free });
  }
}

function entryDeadline(e: Entry): number {
  switch (e.state) {
    case 'incomplete':
      return e.retryAt;
    case 'stale':
      return e.attempts > 0 ? e.retryAt : e.expiresAt;
    case 'static':
      return Infinity;
    default:
      return e.expiresAt;
  }
}

/** A sender IP we never learn or accept: multicast, limited broadcast, loopback (0 means a probe). */
function badSenderIp(ip: Ipv4Address): boolean {
  return isIpv4Multicast(ip) || ip === 0xffff_ffff || ip >>> 24 === 127;
}

/** A target IP no one can own on a link: multicast, limited broadcast, loopback. */
function badTargetIp(ip: Ipv4Address): boolean {
  return isIpv4Multicast(ip) || ip === 0xffff_ffff || ip >>> 24 === 127;
}

import {
  StackError, type ArpLayer, type EthernetLayer, type EthernetRxInfo, type Fill, type Ipv4Address, type MacAddress,
  type Random, type Scheduler, type TxMeta,
} from '@stack/interfaces';
import { EtherType, MAC_BROADCAST, isIpv4Multicast, multicastMac } from '@stack/wire';
import { resolveArpConfig, type ArpOptions, type ResolvedArpConfig } from './config.js';
import { ArpEngine, type ArpEntrySnapshot } from './engine/engine.js';
import type { ArpStats } from './engine/stats.js';
import { ArpView, emitArp, type ArpRepr } from './wire/arp.js';
import { ARP_LEN } from './wire/fields.js';

/** What the ARP layer needs besides Ethernet: time for its one timer, randomness for RFC 5227 probe spacing. */
export interface ArpDeps {
  readonly scheduler: Scheduler;
  readonly random: Random;
}

/** The ARP layer `createArp` returns: the contract plus its config, richer counters and entries, and an address setter. */
export interface Arp extends ArpLayer {
  readonly config: ResolvedArpConfig;
  readonly stats: ArpStats;
  /** Our address (0: none yet). */
  readonly address: Ipv4Address;
  /** Changes our address (after DHCP, say): requests for the new one are answered, the old one no longer. */
  setAddress(address: Ipv4Address): void;
  entries(): ArpEntrySnapshot[];
}

/**
 * Creates ARP for IPv4 over `eth` (RFC 826) and registers it for EtherType
 * 0x0806. It answers requests for our address, learns per RFC 826's merge
 * rule (only what is for us or already known), resolves next hops for
 * `write` with a bounded queue of waiting packets, retries and a negative
 * cache, rate-limits its requests, and probes and announces addresses per
 * RFC 5227. All timing runs on one scheduler timer set to the engine's
 * earliest deadline.
 */
export function createArp(eth: EthernetLayer, deps: ArpDeps, config: ArpOptions): Arp {
  const resolved = resolveArpConfig(config);
  const { scheduler, random } = deps;
  const engine = new ArpEngine(resolved, eth.mac, random, scheduler.now());
  const stats = engine.stats;
  /** Largest packet queued while resolving: the MTU, or the GSO limit for a GSO write (as the Ethernet layer allows). */
  const maxGso = Math.max(eth.mtu, eth.capabilities.gsoMaxSize);
  const probeWaiters = new Map<number, (free: boolean) => void>();
  let closed = false;
  let cancelTimer: (() => void) | null = null;
  let timerAt = Infinity;

  // One fill for ARP packets and one for queued packets, fed through variables: no closure per packet.
  let arpOut: ArpRepr | undefined;
  const arpFill: Fill = (buf) => {
    emitArp(arpOut!, buf, 0);
  };
  const EMPTY = new Uint8Array(0);
  let queuedOut: Uint8Array = EMPTY;
  const queuedFill: Fill = (buf) => {
    buf.set(queuedOut);
  };

  let running = false;
  const run = (): void => {
    // The actions taken are the engine's reused array: if an Ethernet layer broke its contract
    // and called back into us from inside write, a nested run would recycle it mid-loop. So a
    // nested call only leaves its actions queued, and this loop takes them after the current batch.
    if (running) return;
    running = true;
    try {
      while (engine.hasActions) {
        const actions = engine.takeActions();
        for (let i = 0; i < actions.length; i++) {
          const a = actions[i]!;
          if (a.kind === 'arp') {
            arpOut = a.packet;
            if (!eth.write(a.dst, EtherType.ARP, ARP_LEN, arpFill)) continue;
            stats.tx++;
            if (a.reason === 'request') stats.requestsSent++;
            else if (a.reason === 'reply') stats.repliesSent++;
            else if (a.reason === 'probe') stats.probesSent++;
            else stats.announcementsSent++;
          } else if (a.kind === 'packet') {
            queuedOut = a.bytes;
            if (eth.write(a.dst, a.etherType, a.bytes.length, queuedFill, a.meta)) stats.flushed++;
          } else {
            const resolve = probeWaiters.get(a.id);
            probeWaiters.delete(a.id);
            resolve?.(a.free);
          }
        }
      }
    } finally {
      running = false;
      arpOut = undefined;
      queuedOut = EMPTY; // do not keep a sent packet alive
    }
    reschedule();
  };

  const onTimer = (): void => {
    cancelTimer = null;
    timerAt = Infinity;
    if (closed) return;
    engine.poll(scheduler.now());
    run();
  };

  /** Keeps one timer at the engine's earliest deadline; an earlier timer is kept (waking early is harmless). */
  const reschedule = (): void => {
    if (closed) return;
    const d = engine.nextDeadline();
    if (d >= timerAt) return;
    cancelTimer?.();
    timerAt = d;
    cancelTimer = scheduler.at(d, onTimer);
  };

  const checkOpen = (what: string): void => {
    if (closed) throw new StackError('ERR_CLOSED', `ARP layer is closed (${what})`);
  };

  const checkIp = (ip: number, what: string): void => {
    if (!(Number.isInteger(ip) && ip >= 0 && ip <= 0xffff_ffff)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `${what}: not an IPv4 address (want an integer 0..2^32-1): ${ip}`);
    }
  };

  // One view, re-pointed at each packet: the receive path builds no repr,
  // result or view per packet (the engine reads the fields through it).
  const view = ArpView.unbound();

  const input = (payload: Uint8Array, _info: EthernetRxInfo): void => {
    if (closed) return;
    stats.rx++;
    const problem = view.reset(payload);
    if (problem !== null) {
      stats.dropped[problem] = (stats.dropped[problem] ?? 0) + 1;
      return;
    }
    engine.input(view, scheduler.now());
    run();
  };

  const layer: Arp = {
    config: resolved,
    stats,
    get address(): Ipv4Address {
      return engine.address;
    },
    input,

    write(nextHop: Ipv4Address, etherType: number, length: number, fill: Fill, meta?: TxMeta): boolean {
      checkOpen('write');
      checkIp(nextHop, 'ARP write');
      // Group addresses need no resolution (RFC 1112 §6.4; the limited broadcast maps to ff:ff:ff:ff:ff:ff).
      if (nextHop === 0xffff_ffff) return eth.write(MAC_BROADCAST, etherType, length, fill, meta);
      if (isIpv4Multicast(nextHop)) return eth.write(multicastMac(nextHop), etherType, length, fill, meta);
      const now = scheduler.now();
      const mac = engine.resolve(nextHop, now);
      if (mac !== undefined) {
        const sent = eth.write(mac, etherType, length, fill, meta);
        // A stale entry starts its revalidation: a request to send, a retry to time.
        if (engine.hasActions || engine.nextDeadline() < timerAt) run();
        return sent;
      }
      if (nextHop === 0 || engine.isFailed(nextHop, now)) {
        stats.dropped.unresolved++;
        return false;
      }
      if (!(Number.isInteger(length) && length >= 0)) {
        throw new StackError('ERR_INVALID_ARGUMENT', `payload length must be a non-negative integer, got ${length}`);
      }
      if (length > (meta !== undefined && (meta.gsoSize ?? 0) > 0 ? maxGso : eth.mtu)) {
        stats.dropped.tooBig++;
        return false;
      }
      // The one copy on the way out: the packet is built in a buffer we own until it can be sent,
      // and its meta copied with it (the writer reuses its object; Ethernet checks it when sent).
      const bytes = new Uint8Array(length);
      fill(bytes);
      const queued = engine.enqueue(nextHop, etherType, bytes, now, meta === undefined ? undefined : { ...meta });
      run();
      return queued;
    },

    lookup(ip: Ipv4Address): MacAddress | undefined {
      return engine.lookup(ip);
    },

    addStatic(ip: Ipv4Address, mac: MacAddress): void {
      checkOpen('addStatic');
      checkIp(ip, 'addStatic');
      if (!(Number.isInteger(mac) && mac >= 0 && mac <= 0xffff_ffff_ffff)) {
        throw new StackError('ERR_INVALID_ARGUMENT', `addStatic: not a MAC address (want an integer 0..2^48-1): ${mac}`);
      }
      engine.addStatic(ip, mac);
      run();
    },

    remove(ip: Ipv4Address): void {
      engine.remove(ip);
    },

    announce(): void {
      checkOpen('announce');
      engine.startAnnounce(scheduler.now());
      run();
    },

    probe(ip: Ipv4Address): Promise<boolean> {
      checkOpen('probe');
      checkIp(ip, 'probe');
      return new Promise<boolean>((resolve) => {
        probeWaiters.set(engine.startProbe(ip, scheduler.now()), resolve);
        run();
      });
    },

    setAddress(address: Ipv4Address): void {
      checkIp(address, 'setAddress');
      engine.address = address;
    },

    entries(): ArpEntrySnapshot[] {
      return engine.entries(scheduler.now());
    },

    close(): void {
      if (closed) return;
      engine.clear();
      cancelTimer?.();
      cancelTimer = null;
      timerAt = Infinity;
      run(); // settles probes (not free): sends nothing
      closed = true;
    },
  };

  eth.register(EtherType.ARP, input);
  return layer;
}

import type { Ipv4Address } from '@stack/interfaces';

/** Options of a `PathMtuCache`. */
export interface PathMtuOptions {
  /** Floor of a learned path MTU (`Ipv4Config.minPathMtu`). */
  readonly minPathMtu: number;
  /** How long a learned value is kept, ms (`Ipv4Config.pathMtuTimeout`). */
  readonly timeout: number;
  /** Destinations remembered at most; the oldest is forgotten first (default 1024, `Ipv4Config.pathMtuCacheSize`). */
  readonly maxEntries?: number;
}

interface Entry {
  mtu: number;
  expires: number;
}

/**
 * Path MTU discovery state (RFC 1191): per destination, the MTU learned from
 * ICMP "fragmentation needed". A value only ever lowers the estimate, never
 * below the floor, and is forgotten after the timeout (RFC 1191 §6.3), when
 * the first-hop MTU applies again. Expiry is checked on lookup: no timers.
 */
export class PathMtuCache {
  private readonly entries = new Map<Ipv4Address, Entry>();
  private readonly maxEntries: number;

  constructor(private readonly options: PathMtuOptions) {
    this.maxEntries = options.maxEntries ?? 1024;
  }

  /** The learned path MTU toward `dst`, or undefined (none, or expired). */
  get(dst: Ipv4Address, now: number): number | undefined {
    const e = this.entries.get(dst);
    if (e === undefined) return undefined;
    if (now >= e.expires) {
      this.entries.delete(dst);
      return undefined;
    }
    return e.mtu;
  }

  /**
   * Lowers the path MTU toward `dst` to `mtu` (clamped up to the floor)
   * when that is below `current`, the MTU in use now. Returns true if the
   * estimate changed. A zero or non-finite `mtu` (an RFC 792 router that
   * reports none) changes nothing.
   */
  update(dst: Ipv4Address, mtu: number, current: number, now: number): boolean {
    if (!(mtu > 0) || !Number.isFinite(mtu)) return false;
    const value = Math.max(Math.floor(mtu), this.options.minPathMtu);
    if (value >= current) return false;
    this.entries.delete(dst); // re-insert: Map order is age order
    if (this.entries.size >= this.maxEntries) {
      for (const oldest of this.entries.keys()) {
        this.entries.delete(oldest);
        break;
      }
    }
    this.entries.set(dst, { mtu: value, expires: now + this.options.timeout });
    return true;
  }

  /** Destinations with a learned MTU (expired ones included until looked up). */
  get size(): number {
    return this.entries.size;
  }

  /** Live entries (dst, mtu, absolute expiry), for `inspect()`. */
  list(now: number): { dst: Ipv4Address; mtu: number; expires: number }[] {
    const out: { dst: Ipv4Address; mtu: number; expires: number }[] = [];
    for (const [dst, e] of this.entries) if (now < e.expires) out.push({ dst, mtu: e.mtu, expires: e.expires });
    return out;
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }
}

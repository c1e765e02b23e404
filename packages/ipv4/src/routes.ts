import { StackError, type Ipv4Address, type Ipv4Route } from '@stack/interfaces';
import { IPV4_BROADCAST, formatCidr, formatIpv4, isIpv4Multicast, networkOf, prefixMask } from '@stack/wire';

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/**
 * The routing table of a host (RFC 1122 §3.3.1): longest prefix match, then
 * the lowest metric, then the route added first. A route with a null
 * gateway is a directly connected network (the next hop is the destination
 * itself); a gateway is taken as on-link.
 */
export class RouteTable {
  /** Kept sorted: longest prefix first, then lowest metric, then insertion order. */
  private table: Ipv4Route[] = [];

  /**
   * Adds a route, replacing one with the same destination network, prefix
   * and metric (`ip route replace`). The destination is masked to its
   * network. Throws ERR_INVALID_ARGUMENT for a route that cannot exist.
   */
  add(route: Ipv4Route): void {
    const d = route.destination as { address?: unknown; prefix?: unknown } | undefined;
    if (typeof d !== 'object' || d === null || !isU32(d.address) || !(Number.isInteger(d.prefix) && (d.prefix as number) >= 0 && (d.prefix as number) <= 32)) {
      throw new StackError('ERR_INVALID_ARGUMENT', 'route destination must be { address: u32, prefix: 0..32 }');
    }
    const g = route.gateway;
    if (g !== null && (!isU32(g) || g === 0 || g === IPV4_BROADCAST || isIpv4Multicast(g))) {
      throw new StackError('ERR_INVALID_ARGUMENT', `route gateway ${String(g)} (allowed: null for on-link, or a unicast address)`);
    }
    if (!(Number.isInteger(route.metric) && route.metric >= 0)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `route metric ${String(route.metric)} (allowed: an integer >= 0)`);
    }
    const prefix = d.prefix as number;
    const normalized: Ipv4Route = { destination: { address: networkOf({ address: d.address, prefix }), prefix }, gateway: g, metric: route.metric };
    this.remove(normalized.destination.address, prefix, route.metric);
    let i = 0;
    while (i < this.table.length) {
      const r = this.table[i]!;
      if (r.destination.prefix < prefix || (r.destination.prefix === prefix && r.metric > route.metric)) break;
      i++;
    }
    this.table.splice(i, 0, normalized);
  }

  /** Removes the route to `address/prefix` (of `metric`, or any metric). True if one was removed. */
  remove(address: Ipv4Address, prefix: number, metric?: number): boolean {
    const net = networkOf({ address, prefix });
    const before = this.table.length;
    this.table = this.table.filter(
      (r) => !(r.destination.prefix === prefix && r.destination.address === net && (metric === undefined || r.metric === metric)),
    );
    return this.table.length !== before;
  }

  /** The best route to `dst`, or undefined. */
  lookup(dst: Ipv4Address): Ipv4Route | undefined {
    for (const r of this.table) {
      if (((dst & prefixMask(r.destination.prefix)) >>> 0) === r.destination.address) return r;
    }
    return undefined;
  }

  /** Every route, best first (copies). */
  list(): Ipv4Route[] {
    return this.table.map((r) => ({ destination: { ...r.destination }, gateway: r.gateway, metric: r.metric }));
  }

  /** A route as `ip route` prints it, for logs. */
  static format(r: Ipv4Route): string {
    const dst = r.destination.prefix === 0 ? 'default' : formatCidr(r.destination);
    return r.gateway === null ? `${dst} dev link metric ${r.metric}` : `${dst} via ${formatIpv4(r.gateway)} metric ${r.metric}`;
  }
}

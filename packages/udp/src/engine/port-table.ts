/** What the port table needs to know of a bound socket. */
export interface PortBinding {
  readonly port: number;
  /** Local address the socket is bound to, or null for any of ours. */
  readonly address: number | null;
  /** The socket also takes datagrams sent to broadcast and multicast addresses. */
  readonly broadcast: boolean;
}

/**
 * The bound UDP ports (sans-IO): conflict rules, demultiplexing and
 * ephemeral port choice (RFC 6056). Two bindings of one port may coexist
 * only when both name different specific addresses, so at most one binding
 * matches any datagram.
 */
export class PortTable<T extends PortBinding> {
  private readonly byPort = new Map<number, T[]>();

  /** True when binding `port` on `address` (null: any) would clash with a binding. */
  inUse(port: number, address: number | null): boolean {
    const list = this.byPort.get(port);
    if (list === undefined) return false;
    if (address === null) return list.length > 0;
    for (const b of list) if (b.address === null || b.address === address) return true;
    return false;
  }

  add(binding: T): void {
    const list = this.byPort.get(binding.port);
    if (list === undefined) this.byPort.set(binding.port, [binding]);
    else list.push(binding);
  }

  remove(binding: T): void {
    const list = this.byPort.get(binding.port);
    if (list === undefined) return;
    const i = list.indexOf(binding);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byPort.delete(binding.port);
  }

  /**
   * The binding a datagram to `dst`:`port` goes to: one bound to `dst` or to
   * any address; for a broadcast/multicast datagram only one that accepts
   * broadcasts (RFC 1122 §4.1.3.5 leaves the policy to us).
   */
  lookup(port: number, dst: number, broadcast: boolean): T | undefined {
    const list = this.byPort.get(port);
    if (list === undefined) return undefined;
    for (const b of list) {
      if ((b.address === null || b.address === dst) && (!broadcast || b.broadcast)) return b;
    }
    return undefined;
  }

  /**
   * Picks a free port in `min..max` for `address` with RFC 6056 §3.3.1
   * Algorithm 1 ("simple port randomization"): start at a uniformly random
   * offset (from `random32`) and probe upward, wrapping, until a free port is
   * found. Undefined when every port in the range is taken.
   *
   * Why Algorithm 1 and not Algorithm 3 (hash of the connection id): a UDP
   * bind has no remote endpoint, so Algorithm 3's hash would see only our
   * own address and degrade to one sequential counter per host, which is
   * what RFC 6056 exists to avoid. Algorithm 1's weakness (a port may be
   * reused soon after release) costs little for UDP, which has no TIME_WAIT.
   * The modulo bias of a 32-bit draw over at most 65535 ports is < 2^-16.
   */
  ephemeral(address: number | null, min: number, max: number, random32: () => number): number | undefined {
    const count = max - min + 1;
    let offset = random32() % count;
    for (let i = 0; i < count; i++) {
      const port = min + offset;
      if (!this.inUse(port, address)) return port;
      offset = offset + 1 === count ? 0 : offset + 1;
    }
    return undefined;
  }

  /** Every binding, in port order. */
  all(): T[] {
    return [...this.byPort.keys()].sort((a, b) => a - b).flatMap((p) => this.byPort.get(p)!);
  }

  clear(): void {
    this.byPort.clear();
  }
}

/** What the demux table stores: a connection's 4-tuple and the chain link. */
export interface Tuple<T> {
  readonly localAddr: number;
  readonly localPort: number;
  readonly remoteAddr: number;
  readonly remotePort: number;
  /** Next entry whose key collides with this one's. Owned by `TupleTable`. */
  nextInBucket: T | null;
}

/**
 * A small-integer key from the 4-tuple's ports and remote address, mixed
 * with the table's secret salt: a Smi (< 2^30), so a Map lookup per segment
 * allocates nothing (a 53-bit key would be a heap number), and an attacker
 * who cannot learn the salt cannot aim many tuples at one chain.
 */
function keyOf(localPort: number, remoteAddr: number, remotePort: number, salt: number): number {
  const ports = ((localPort << 16) | remotePort) ^ salt;
  return (Math.imul(remoteAddr ^ Math.imul(salt, 0x27d4eb2d), 0x9e3779b1) ^ Math.imul(ports, 0x85ebca6b)) >>> 2;
}

/**
 * Connections by 4-tuple (RFC 9293 §3.3.1's connection identification): a
 * Map keyed by a salted hash that is a small integer, so a lookup per
 * segment allocates nothing, with a chain (compared field by field) for
 * collisions.
 */
export class TupleTable<T extends Tuple<T>> {
  private readonly map = new Map<number, T>();
  private count = 0;

  /** `salt`: a secret 32-bit number (from the stack's Random). */
  constructor(private readonly salt = 0) {}

  get size(): number {
    return this.count;
  }

  /** The entry for this 4-tuple, or undefined. */
  get(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): T | undefined {
    let e = this.map.get(keyOf(localPort, remoteAddr, remotePort, this.salt)) ?? null;
    while (e !== null) {
      if (e.remoteAddr === remoteAddr && e.localAddr === localAddr && e.localPort === localPort && e.remotePort === remotePort) return e;
      e = e.nextInBucket;
    }
    return undefined;
  }

  /** True when the 4-tuple is taken. */
  has(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): boolean {
    return this.get(localAddr, localPort, remoteAddr, remotePort) !== undefined;
  }

  /** Adds `t` (the caller checked its tuple is free). */
  add(t: T): void {
    const key = keyOf(t.localPort, t.remoteAddr, t.remotePort, this.salt);
    t.nextInBucket = this.map.get(key) ?? null;
    this.map.set(key, t);
    this.count++;
  }

  /** Removes `t`; false if it was not there. */
  delete(t: T): boolean {
    const key = keyOf(t.localPort, t.remoteAddr, t.remotePort, this.salt);
    let prev: T | null = null;
    let e = this.map.get(key) ?? null;
    while (e !== null && e !== t) {
      prev = e;
      e = e.nextInBucket;
    }
    if (e === null) return false;
    if (prev === null) {
      if (t.nextInBucket === null) this.map.delete(key);
      else this.map.set(key, t.nextInBucket);
    } else prev.nextInBucket = t.nextInBucket;
    t.nextInBucket = null;
    this.count--;
    return true;
  }

  values(): IterableIterator<T> {
    const out: T[] = [];
    for (const e of this.map.values()) {
      for (let x: T | null = e; x !== null; x = x.nextInBucket) out.push(x);
    }
    return out.values();
  }

  clear(): void {
    this.map.clear();
    this.count = 0;
  }
}

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
 * A 32-bit hash of the 4-tuple's ports and remote address, mixed with the
 * table's secret salt (`salt`, and `addrSalt` derived from it) and finished
 * so every bit depends on every input bit (the bucket is taken from the low
 * bits): an attacker who cannot learn the salt cannot aim many tuples at
 * one chain.
 */
function keyOf(localPort: number, remoteAddr: number, remotePort: number, salt: number, addrSalt: number): number {
  const ports = ((localPort << 16) | remotePort) ^ salt;
  let h = Math.imul(remoteAddr ^ addrSalt, 0x9e3779b1) ^ Math.imul(ports, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return h ^ (h >>> 16);
}

/** Buckets of a new or cleared table (a power of two). */
const MIN_BUCKETS = 64;

/**
 * Connections by 4-tuple (RFC 9293 §3.3.1's connection identification): a
 * hash table of chains, the bucket picked by the low bits of a salted hash
 * (`keyOf`) and the chain compared field by field. The buckets are one
 * plain array that doubles when the entries outnumber them (so chains stay
 * short), and the chain links live in the entries: a lookup, an add and a
 * delete allocate nothing and touch no Map (a Map's hashing and its
 * rehashing as connections come and go cost more, per segment).
 */
export class TupleTable<T extends Tuple<T>> {
  private buckets: (T | null)[] = new Array<T | null>(MIN_BUCKETS).fill(null);
  private mask = MIN_BUCKETS - 1;
  private count = 0;

  private readonly addrSalt: number;

  /** `salt`: a secret 32-bit number (from the stack's Random). */
  constructor(private readonly salt = 0) {
    this.addrSalt = Math.imul(salt, 0x27d4eb2d);
  }

  get size(): number {
    return this.count;
  }

  /** The entry for this 4-tuple, or undefined. */
  get(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): T | undefined {
    let e: T | null = this.buckets[keyOf(localPort, remoteAddr, remotePort, this.salt, this.addrSalt) & this.mask] ?? null;
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
    if (this.count >= this.buckets.length) this.grow();
    const i = keyOf(t.localPort, t.remoteAddr, t.remotePort, this.salt, this.addrSalt) & this.mask;
    t.nextInBucket = this.buckets[i]!;
    this.buckets[i] = t;
    this.count++;
  }

  /** Doubles the buckets and moves every entry to its new chain. */
  private grow(): void {
    const old = this.buckets;
    const size = old.length * 2;
    const buckets = new Array<T | null>(size).fill(null);
    const mask = size - 1;
    for (let e of old) {
      while (e !== null) {
        const next: T | null = e.nextInBucket;
        const i = keyOf(e.localPort, e.remoteAddr, e.remotePort, this.salt, this.addrSalt) & mask;
        e.nextInBucket = buckets[i]!;
        buckets[i] = e;
        e = next;
      }
    }
    this.buckets = buckets;
    this.mask = mask;
  }

  /** Removes `t`; false if it was not there. */
  delete(t: T): boolean {
    const i = keyOf(t.localPort, t.remoteAddr, t.remotePort, this.salt, this.addrSalt) & this.mask;
    let prev: T | null = null;
    let e: T | null = this.buckets[i] ?? null;
    while (e !== null && e !== t) {
      prev = e;
      e = e.nextInBucket;
    }
    if (e === null) return false;
    if (prev === null) this.buckets[i] = t.nextInBucket;
    else prev.nextInBucket = t.nextInBucket;
    t.nextInBucket = null;
    this.count--;
    return true;
  }

  /** Puts `t` in the place of `old`, which has the same 4-tuple (a TIME-WAIT record for its connection); false if `old` was not there. */
  replace(old: T, t: T): boolean {
    const i = keyOf(old.localPort, old.remoteAddr, old.remotePort, this.salt, this.addrSalt) & this.mask;
    let prev: T | null = null;
    let e: T | null = this.buckets[i] ?? null;
    while (e !== null && e !== old) {
      prev = e;
      e = e.nextInBucket;
    }
    if (e === null) return false;
    t.nextInBucket = old.nextInBucket;
    if (prev === null) this.buckets[i] = t;
    else prev.nextInBucket = t;
    old.nextInBucket = null;
    return true;
  }

  values(): IterableIterator<T> {
    const out: T[] = [];
    for (const e of this.buckets) {
      for (let x: T | null = e; x !== null; x = x.nextInBucket) out.push(x);
    }
    return out.values();
  }

  clear(): void {
    this.buckets = new Array<T | null>(MIN_BUCKETS).fill(null);
    this.mask = MIN_BUCKETS - 1;
    this.count = 0;
  }
}

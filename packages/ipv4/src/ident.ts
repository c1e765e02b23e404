import type { Ipv4Address, Random } from '@stack/interfaces';
import { halfSipHashWords } from '@stack/wire';

/** Counters an `IdentGenerator` spreads destinations over by default (a power of two, as Linux's `ip_idents`). */
export const IDENT_COUNTERS = 2048;

/** Third input word of the hash when drawing a counter's start: above any protocol number, so never a (src, dst, protocol) key. */
const START_DOMAIN = 0x100;

/**
 * HalfSipHash-2-4 with a 32-bit result (`@stack/wire`'s, the 32-bit
 * variant Linux calls hsiphash) of the 12-byte message made of `m0`, `m1`,
 * `m2` as little-endian words, under the 64-bit key (`k0`, `k1`). A keyed
 * pseudo-random function: without the key its outputs cannot be predicted.
 * Allocation-free.
 */
export function halfSipHash24(k0: number, k1: number, m0: number, m1: number, m2: number): number {
  return halfSipHashWords(k0, k1, 3, m0, m1, m2, 0, 0, 12 << 24);
}

/**
 * The Identification field of the datagrams we send (RFC 791 §3.2, RFC 6864,
 * RFC 7739 §5): one of `size` 16-bit counters, picked by a keyed hash of
 * (source, destination, protocol), and incremented. One global counter would
 * let anyone who receives our datagrams predict the ids we use toward a third
 * party (and so forge or count its fragments); with the key secret, what one
 * destination sees says nothing about another's counter. Datagrams to one
 * destination still get sequential ids, so ids are not reused quickly, as
 * RFC 6864 §4.2 needs for fragmented ones. This is the scheme Linux uses
 * (`ip_idents`), without its extra random jump after an idle period.
 *
 * The key and each counter's start come from `random` (two draws: the starts
 * are the keyed hash of the counter's index), so under a seeded `Random` the
 * ids are deterministic.
 */
export class IdentGenerator {
  private readonly k0: number;
  private readonly k1: number;
  private readonly counters: Uint16Array;
  private readonly mask: number;
  /** The last (source, destination, protocol) hashed and its counter: most datagrams follow one to the same place, and this skips the hash. */
  private lastSrc = -1;
  private lastDst = -1;
  private lastProtocol = -1;
  private lastIndex = 0;

  /** `size` counters, a power of two (default `IDENT_COUNTERS`). */
  constructor(random: Random, size: number = IDENT_COUNTERS) {
    if (!(Number.isInteger(size) && size >= 1 && (size & (size - 1)) === 0 && size <= 1 << 20)) {
      throw new RangeError(`IdentGenerator: size ${size} is not a power of two 1..2^20`);
    }
    this.k0 = random.u32() | 0;
    this.k1 = random.u32() | 0;
    this.mask = size - 1;
    this.counters = new Uint16Array(size);
    for (let i = 0; i < size; i++) this.counters[i] = halfSipHash24(this.k0, this.k1, i, 0, START_DOMAIN);
  }

  /**
   * The identification for the next datagram from `src` to `dst` of
   * `protocol`. `count` > 1 reserves that many consecutive ids (returning
   * the first): a GSO frame whose device gives each segment the next id.
   */
  next(src: Ipv4Address, dst: Ipv4Address, protocol: number, count = 1): number {
    let i = this.lastIndex;
    if (src !== this.lastSrc || dst !== this.lastDst || protocol !== this.lastProtocol) {
      i = halfSipHash24(this.k0, this.k1, src, dst, protocol) & this.mask;
      this.lastSrc = src;
      this.lastDst = dst;
      this.lastProtocol = protocol;
      this.lastIndex = i;
    }
    const id = this.counters[i]!;
    this.counters[i] = id + count; // a Uint16Array wraps at 65536
    return id;
  }
}

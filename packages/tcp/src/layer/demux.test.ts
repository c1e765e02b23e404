import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TupleTable, type Tuple } from './demux.js';

interface Entry extends Tuple<Entry> {
  readonly name: string;
}

function entry(name: string, localAddr: number, localPort: number, remoteAddr: number, remotePort: number): Entry {
  return { name, localAddr, localPort, remoteAddr, remotePort, nextInBucket: null };
}

describe('TupleTable: connections by 4-tuple', () => {
  it('finds entries that share a key (another local address) and keeps apart ones that differ anywhere', () => {
    const t = new TupleTable<Entry>(0x1234_5678);
    const a = entry('a', 1, 80, 0x0a00_0001, 5000);
    const b = entry('b', 1, 80, 0x0b00_0001, 5000);
    const c = entry('c', 2, 80, 0x0a00_0001, 5000); // another local address: the same key, chained
    for (const e of [a, b, c]) t.add(e);
    expect(t.size).toBe(3);
    expect(t.get(1, 80, 0x0a00_0001, 5000)).toBe(a);
    expect(t.get(1, 80, 0x0b00_0001, 5000)).toBe(b);
    expect(t.get(2, 80, 0x0a00_0001, 5000)).toBe(c);
    expect(t.get(1, 80, 0x0c00_0001, 5000)).toBeUndefined();
    expect(t.delete(b)).toBe(true);
    expect(t.delete(b)).toBe(false);
    expect(t.get(1, 80, 0x0a00_0001, 5000)).toBe(a);
    expect(t.get(2, 80, 0x0a00_0001, 5000)).toBe(c);
    expect(t.delete(c)).toBe(true);
    expect(t.delete(a)).toBe(true);
    expect(t.size).toBe(0);
    expect([...t.values()]).toEqual([]);
  });

  it('keeps the extremes of every field apart', () => {
    const t = new TupleTable<Entry>();
    const es = [entry('x', 0xffff_ffff, 0xffff, 0xffff_ffff, 0xffff), entry('y', 0, 1, 0, 1), entry('z', 0, 0xffff, 0xffff_ffff, 1)];
    for (const e of es) t.add(e);
    for (const e of es) expect(t.get(e.localAddr, e.localPort, e.remoteAddr, e.remotePort)).toBe(e);
    expect([...t.values()].map((e) => e.name).sort()).toEqual(['x', 'y', 'z']);
  });

  it('chains correctly when many tuples share keys (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 4 })), { selector: (x) => x.join(), maxLength: 60 }), (salt, tuples) => {
        const t = new TupleTable<Entry>(salt);
        const es = tuples.map(([la, lp, ra, rp]) => entry(`${la}`, la, lp, ra, rp));
        for (const e of es) t.add(e);
        for (const e of es) expect(t.get(e.localAddr, e.localPort, e.remoteAddr, e.remotePort)).toBe(e);
        for (const e of es.filter((_, i) => i % 2 === 0)) t.delete(e);
        es.forEach((e, i) => expect(t.get(e.localAddr, e.localPort, e.remoteAddr, e.remotePort)).toBe(i % 2 === 0 ? undefined : e));
        expect(t.size).toBe(es.length - Math.ceil(es.length / 2));
      }),
    );
  });

  it('grows past its first buckets, keeps every entry findable through deletes and re-adds, and clear empties it', () => {
    const t = new TupleTable<Entry>(0xdead_beef);
    const es = Array.from({ length: 5000 }, (_, i) => entry(`${i}`, 0x0a00_0001, 1024 + (i % 3000), 0x0a00_0002 + Math.floor(i / 3000), 80));
    for (const e of es) t.add(e);
    expect(t.size).toBe(5000);
    for (const e of es) expect(t.get(e.localAddr, e.localPort, e.remoteAddr, e.remotePort)).toBe(e);
    for (let i = 0; i < es.length; i += 2) expect(t.delete(es[i]!)).toBe(true);
    for (let i = 0; i < es.length; i++) expect(t.get(es[i]!.localAddr, es[i]!.localPort, es[i]!.remoteAddr, es[i]!.remotePort)).toBe(i % 2 === 0 ? undefined : es[i]);
    for (let i = 0; i < es.length; i += 2) t.add(es[i]!);
    expect(new Set(t.values()).size).toBe(5000);
    t.clear();
    expect(t.size).toBe(0);
    expect([...t.values()]).toEqual([]);
    expect(t.get(es[1]!.localAddr, es[1]!.localPort, es[1]!.remoteAddr, es[1]!.remotePort)).toBeUndefined();
  });

  it('spreads tuples that differ only in one port over the buckets (a client\'s ephemeral ports, a server\'s peers)', () => {
    const longestChain = (t: TupleTable<Entry>): number => {
      let longest = 0;
      for (const head of (t as unknown as { buckets: (Entry | null)[] }).buckets) {
        let n = 0;
        for (let e = head; e !== null; e = e.nextInBucket) n++;
        longest = Math.max(longest, n);
      }
      return longest;
    };
    for (const salt of [0, 1, 0x8000_0000, 0x1234_5678]) {
      const client = new TupleTable<Entry>(salt);
      const server = new TupleTable<Entry>(salt);
      for (let p = 0; p < 16_384; p++) {
        client.add(entry('c', 0x0a00_0001, 49_152 + p, 0x0a00_0002, 7));
        server.add(entry('s', 0x0a00_0002, 7, 0x0a00_0001, 49_152 + p));
      }
      // Random placement puts at most a handful in one bucket; a hash whose low bits ignored a port would put them all in one.
      expect(longestChain(client)).toBeLessThan(12);
      expect(longestChain(server)).toBeLessThan(12);
    }
  });
});

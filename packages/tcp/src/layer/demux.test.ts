import { describe, expect, it } from 'vitest';
import { TupleTable, type Tuple } from './demux.js';

interface Entry extends Tuple<Entry> {
  readonly name: string;
}

function entry(name: string, localAddr: number, localPort: number, remoteAddr: number, remotePort: number): Entry {
  return { name, localAddr, localPort, remoteAddr, remotePort, nextInBucket: null };
}

describe('TupleTable: connections by 4-tuple', () => {
  it('finds entries whose keys collide (same ports, remote addresses equal in the low 21 bits, other local address)', () => {
    const t = new TupleTable<Entry>();
    const a = entry('a', 1, 80, 0x0a00_0001, 5000);
    const b = entry('b', 1, 80, 0x0b00_0001, 5000); // same low 21 bits of the remote address
    const c = entry('c', 2, 80, 0x0a00_0001, 5000); // another local address
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
});

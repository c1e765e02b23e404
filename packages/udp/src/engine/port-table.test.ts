import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@stack/sim';
import { PortTable, type PortBinding } from './port-table.js';

const A = 0x0a4d0002;
const B = 0x0a4d0003;
const bind = (port: number, address: number | null = null, broadcast = true): PortBinding => ({ port, address, broadcast });

describe('port table', () => {
  it('wildcard and specific bindings conflict as sockets do', () => {
    const t = new PortTable<PortBinding>();
    t.add(bind(53, A));
    expect(t.inUse(53, A)).toBe(true);
    expect(t.inUse(53, B)).toBe(false);
    expect(t.inUse(53, null)).toBe(true);
    t.add(bind(53, B));
    const any = bind(80);
    t.add(any);
    expect(t.inUse(80, A)).toBe(true);
    t.remove(any);
    expect(t.inUse(80, null)).toBe(false);
    expect(t.all().map((b) => [b.port, b.address])).toEqual([[53, A], [53, B]]);
  });

  it('looks up by address and broadcast acceptance', () => {
    const t = new PortTable<PortBinding>();
    const a = bind(53, A);
    const b = bind(53, B, false);
    t.add(a);
    t.add(b);
    expect(t.lookup(53, A, false)).toBe(a);
    expect(t.lookup(53, B, false)).toBe(b);
    expect(t.lookup(53, 0x0a4d0004, false)).toBeUndefined();
    const quiet = bind(67, null, false);
    t.add(quiet);
    expect(t.lookup(67, 0xffffffff, true)).toBeUndefined();
    expect(t.lookup(67, A, false)).toBe(quiet);
  });

  it('RFC 6056 Algorithm 1: random start, upward probe with wrap, undefined when full', () => {
    const t = new PortTable<PortBinding>();
    const fixed = (n: number) => () => n;
    expect(t.ephemeral(null, 100, 109, fixed(13))).toBe(103);
    t.add(bind(103));
    t.add(bind(104));
    expect(t.ephemeral(null, 100, 109, fixed(13))).toBe(105);
    t.add(bind(109));
    expect(t.ephemeral(null, 100, 109, fixed(9))).toBe(100); // wraps
    for (let p = 100; p <= 109; p++) if (!t.inUse(p, null)) t.add(bind(p));
    expect(t.ephemeral(null, 100, 109, fixed(0))).toBeUndefined();
    // full for the wildcard, but a specific address may still share with specific bindings only
    const u = new PortTable<PortBinding>();
    u.add(bind(5, A));
    expect(u.ephemeral(B, 5, 5, fixed(0))).toBe(5);
    expect(u.ephemeral(null, 5, 5, fixed(0))).toBeUndefined();
  });

  it('spreads over the whole range', () => {
    const t = new PortTable<PortBinding>();
    const r = new SeededRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(t.ephemeral(null, 1000, 1099, () => r.u32())!);
    expect(seen.size).toBe(100);
  });
});

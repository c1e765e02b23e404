import { describe, expect, it } from 'vitest';
import { isStackError, type NetDevice } from '@stack/interfaces';
import { readU32 } from '@stack/wire';
import { BROADCAST, numbered } from '../../test/frames.js';
import { SimScheduler } from '../../test/sim.js';
import { createBridge } from './bridge.js';
import { createHub } from './hub.js';

interface Host {
  dev: NetDevice;
  got: number[];
}

function plug(seg: { port(o?: object): NetDevice }, n: number, opts: object = {}): Host[] {
  return Array.from({ length: n }, (_, i) => {
    const dev = seg.port({ name: `h${i}`, mac: 0x020000000001 + i, ...opts });
    const got: number[] = [];
    dev.onReceive((f) => got.push(readU32(f, 14)));
    return { dev, got };
  });
}

describe('hub', () => {
  it('repeats every frame to every other port, never back', () => {
    const s = new SimScheduler();
    const hub = createHub({ scheduler: s, name: 'hub0' });
    const h = plug(hub, 3);
    h[0]!.dev.transmit(numbered(h[1]!.dev.mac, h[0]!.dev.mac, 1));
    h[1]!.dev.transmit(numbered(BROADCAST, h[1]!.dev.mac, 2));
    s.runUntilIdle();
    expect(h.map((x) => x.got)).toEqual([[2], [1], [1, 2]]);
    expect(hub.stats).toEqual({ frames: 2, floods: 2, sent: 4, dropped: { runt: 0, egress: 0 } });
    expect(h[0]!.dev.name).toBe('h0');
    expect(hub.portCount).toBe(3);
  });

  it('crosses two links: host → hub → host', () => {
    const s = new SimScheduler();
    const hub = createHub({ scheduler: s, defaults: { latency: 1 } });
    const [a, b] = plug(hub, 2);
    let at = -1;
    b!.dev.onReceive(() => { at = s.now(); });
    a!.dev.transmit(numbered(BROADCAST, a!.dev.mac, 1));
    s.runUntilIdle();
    expect(at).toBe(2);
  });

  it('counts copies an egress port refuses (smaller MTU)', () => {
    const s = new SimScheduler();
    const hub = createHub({ scheduler: s });
    const big = hub.port({ mtu: 9000 });
    const small = hub.port({ mtu: 1500 });
    small.onReceive(() => undefined);
    big.transmit(numbered(BROADCAST, big.mac, 1, 5000));
    s.runUntilIdle();
    expect(hub.stats.dropped.egress).toBe(1);
    expect(small.stats.rxFrames).toBe(0);
  });

  it('close() ends every port and leaves no timers', async () => {
    const s = new SimScheduler();
    const hub = createHub({ scheduler: s });
    const h = plug(hub, 3);
    h[0]!.dev.transmit(numbered(BROADCAST, h[0]!.dev.mac, 1));
    await hub.close();
    expect(s.pending()).toBe(0);
    expect(h.every((x) => !x.dev.transmit(numbered(BROADCAST, x.dev.mac, 2)))).toBe(true);
    s.runUntilIdle();
    expect(h.map((x) => x.got)).toEqual([[], [], []]);
    let err: unknown;
    try { hub.port(); } catch (e) { err = e; }
    expect(isStackError(err, 'ERR_CLOSED')).toBe(true);
  });
});

describe('learning bridge', () => {
  it('floods unknown and broadcast, learns sources, then forwards unicast to one port', () => {
    const s = new SimScheduler();
    const br = createBridge({ scheduler: s, name: 'br0' });
    const h = plug(br, 4);
    const mac = (i: number): number => h[i]!.dev.mac;
    h[0]!.dev.transmit(numbered(mac(1), mac(0), 1)); // unknown: flood
    s.runUntilIdle();
    expect(h.map((x) => x.got)).toEqual([[], [1], [1], [1]]);
    h[1]!.dev.transmit(numbered(mac(0), mac(1), 2)); // h0 learned: one port
    s.runUntilIdle();
    expect(h.map((x) => x.got)).toEqual([[2], [1], [1], [1]]);
    h[0]!.dev.transmit(numbered(mac(1), mac(0), 3)); // both learned
    h[2]!.dev.transmit(numbered(BROADCAST, mac(2), 4)); // broadcast floods
    h[3]!.dev.transmit(numbered(0x01005e000001, mac(3), 5)); // multicast floods
    s.runUntilIdle();
    expect(h.map((x) => x.got)).toEqual([[2, 4, 5], [1, 3, 4, 5], [1, 5], [1, 4]]);
    expect(br.stats).toMatchObject({ frames: 5, forwarded: 2, floods: 3, learned: 4, sent: 2 + 9 });
    expect(br.table().map((e) => [e.mac, e.port]).sort()).toEqual([0, 1, 2, 3].map((i) => [mac(i), i]).sort());
  });

  it('filters a frame whose destination is on the ingress port', () => {
    const s = new SimScheduler();
    const br = createBridge({ scheduler: s });
    const hub = createHub({ scheduler: s });
    // two stations behind one bridge port (through a hub), one on another port
    const uplink = br.port({ name: 'uplink' });
    const hubPort = hub.port({ name: 'hub-uplink' });
    uplink.onReceive((f) => hubPort.transmit(f));
    hubPort.onReceive((f) => uplink.transmit(f));
    const [x, y] = plug(hub, 2);
    const [z] = plug(br, 1, { mac: 0x02000000000f });
    x!.dev.transmit(numbered(BROADCAST, x!.dev.mac, 1));
    y!.dev.transmit(numbered(BROADCAST, y!.dev.mac, 2));
    s.runUntilIdle();
    x!.dev.transmit(numbered(y!.dev.mac, x!.dev.mac, 3)); // y is behind the same bridge port
    s.runUntilIdle();
    expect(br.stats.dropped.filtered).toBe(1);
    expect(z!.got).toEqual([1, 2]);
    expect(y!.got).toEqual([1, 3]);
  });

  it('ages entries out after 300 s of silence and floods again', () => {
    const s = new SimScheduler();
    const br = createBridge({ scheduler: s });
    const h = plug(br, 3);
    h[0]!.dev.transmit(numbered(BROADCAST, h[0]!.dev.mac, 1));
    s.runUntilIdle();
    s.runFor(299_000);
    h[1]!.dev.transmit(numbered(h[0]!.dev.mac, h[1]!.dev.mac, 2));
    s.runUntilIdle();
    expect(h[2]!.got).toEqual([1]); // still known: not flooded
    s.runFor(1_001);
    h[1]!.dev.transmit(numbered(h[0]!.dev.mac, h[1]!.dev.mac, 3));
    s.runUntilIdle();
    expect(h[2]!.got).toEqual([1, 3]); // aged out: flooded
    expect(br.stats.aged).toBe(1);
    expect(s.pending()).toBe(0); // aging holds no timers
  });

  it('honours agingTime and maxEntries, and follows a station that moves', () => {
    const s = new SimScheduler();
    const br = createBridge({ scheduler: s, agingTime: 10, maxEntries: 2 });
    const h = plug(br, 3);
    for (const x of h) x.dev.transmit(numbered(BROADCAST, x.dev.mac, 0));
    s.runUntilIdle();
    expect(br.stats.learned).toBe(2);
    expect(br.stats.learnFailed).toBe(1);
    s.runFor(10);
    expect(br.table()).toEqual([]);
    // h0's MAC shows up on port 2
    h[0]!.dev.transmit(numbered(BROADCAST, h[0]!.dev.mac, 1));
    s.runUntilIdle();
    h[2]!.dev.transmit(numbered(BROADCAST, h[0]!.dev.mac, 2));
    s.runUntilIdle();
    expect(br.stats.moved).toBe(1);
    expect(br.table().find((e) => e.mac === h[0]!.dev.mac)?.port).toBe(2);
  });

  it('forgets the stations of an unplugged port and never sends to it', async () => {
    const s = new SimScheduler();
    const br = createBridge({ scheduler: s });
    const h = plug(br, 3);
    h[1]!.dev.transmit(numbered(BROADCAST, h[1]!.dev.mac, 1));
    s.runUntilIdle();
    await h[1]!.dev.close();
    expect(br.portCount).toBe(2);
    expect(br.table().length).toBe(0);
    h[0]!.dev.transmit(numbered(h[1]!.dev.mac, h[0]!.dev.mac, 2));
    s.runUntilIdle();
    expect(h[2]!.got).toEqual([1, 2]);
  });

  it('close() ends all ports and timers', async () => {
    const s = new SimScheduler();
    const br = createBridge({ scheduler: s, defaults: { bandwidth: 1e6 } });
    const h = plug(br, 3);
    for (const x of h) for (let i = 0; i < 5; i++) x.dev.transmit(numbered(BROADCAST, x.dev.mac, i));
    s.runFor(0.05);
    expect(s.pending()).toBeGreaterThan(0);
    await br.close();
    expect(s.pending()).toBe(0);
  });

  it('validates its options', () => {
    const s = new SimScheduler();
    expect(() => createBridge({ scheduler: s, agingTime: -1 })).toThrowError(/agingTime/);
    expect(() => createBridge({ scheduler: s, aging: 5 } as never)).toThrowError(/option "aging"/);
    expect(() => createHub({ scheduler: s, defaults: { mtu: 5 } }).port()).toThrowError(/mtu/);
    expect(() => createHub({ scheduler: s }).port({ nmae: 'x' } as never)).toThrowError(/option "nmae"/);
  });
});

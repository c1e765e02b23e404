import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@stack/sim';
import { ipv4 } from '@stack/wire';
import { resolveArpConfig, type ArpOptions } from '../config.js';
import { ArpEngine, type ArpAction } from './engine.js';
import { TokenBucket } from './token-bucket.js';

const MAC = 0x02000000000a;
const PEER = 0x02000000000b;
const ME = ipv4('192.0.2.1');
const PEER_IP = ipv4('192.0.2.2');

function engine(config: Partial<ArpOptions> = {}): ArpEngine {
  return new ArpEngine(resolveArpConfig({ address: ME, ...config }), MAC, new SeededRandom(5));
}

const kinds = (a: readonly ArpAction[]) => a.map((x) => (x.kind === 'arp' ? `${x.reason}` : x.kind === 'packet' ? `packet:${x.bytes[0]}` : `probe:${x.free}`));

describe('ArpEngine (sans-IO, explicit time)', () => {
  it('says when it next needs to run, and does nothing before', () => {
    const e = engine({ retryInterval: 500 });
    expect(e.nextDeadline()).toBe(Infinity);
    e.enqueue(PEER_IP, 0x0800, Uint8Array.of(1), 100);
    expect(kinds(e.takeActions())).toEqual(['request']);
    expect(e.nextDeadline()).toBe(600);
    e.poll(599);
    expect(e.takeActions()).toEqual([]);
    e.poll(600);
    expect(kinds(e.takeActions())).toEqual(['request']);
    expect(e.nextDeadline()).toBe(1100);
  });

  it('a reply flushes the queue in write order and moves the deadline to expiry', () => {
    const e = engine({ reachableTime: 30_000 });
    for (const b of [1, 2, 3]) e.enqueue(PEER_IP, 0x0800, Uint8Array.of(b), 0);
    e.takeActions();
    e.input({ operation: 2, senderMac: PEER, senderIp: PEER_IP, targetMac: MAC, targetIp: ME }, 40);
    const acts = e.takeActions();
    expect(kinds(acts)).toEqual(['packet:1', 'packet:2', 'packet:3']);
    expect(acts.every((a) => a.kind === 'packet' && a.dst === PEER)).toBe(true);
    expect(e.queuedPackets).toBe(0);
    e.poll(1000); // the old retry deadline: a harmless early wake-up
    expect(e.takeActions()).toEqual([]);
    expect(e.nextDeadline()).toBe(30_040);
  });

  it('resolve() allocates no action for a reachable entry and starts one revalidation for a stale one', () => {
    const e = engine({ reachableTime: 1000 });
    e.addStatic(ipv4('192.0.2.9'), 0x020000000009);
    e.enqueue(PEER_IP, 0x0800, Uint8Array.of(1), 0);
    e.input({ operation: 2, senderMac: PEER, senderIp: PEER_IP, targetMac: MAC, targetIp: ME }, 0);
    e.takeActions();
    expect(e.resolve(PEER_IP, 999)).toBe(PEER);
    expect(e.hasActions).toBe(false);
    expect(e.resolve(PEER_IP, 1000)).toBe(PEER);
    expect(e.resolve(PEER_IP, 1001)).toBe(PEER);
    const acts = e.takeActions();
    expect(acts).toHaveLength(1);
    expect(acts[0]).toMatchObject({ kind: 'arp', reason: 'request', dst: PEER });
    expect(e.resolve(ipv4('192.0.2.9'), 1e9)).toBe(0x020000000009);
    expect(e.resolve(ipv4('192.0.2.77'), 0)).toBeUndefined();
  });

  it('probe timing is drawn from the random source and ends with probe-done', () => {
    const e = engine({ probeWait: 0, probeMin: 100, probeMax: 100, announceWait: 50, probeCount: 2 });
    const id = e.startProbe(ipv4('192.0.2.50'), 0);
    expect(e.nextDeadline()).toBe(0);
    e.poll(0);
    expect(kinds(e.takeActions())).toEqual(['probe']);
    expect(e.nextDeadline()).toBe(100);
    e.poll(100);
    expect(kinds(e.takeActions())).toEqual(['probe']);
    expect(e.nextDeadline()).toBe(150);
    e.poll(150);
    expect(e.takeActions()).toEqual([{ kind: 'probe-done', id, free: true }]);
    expect(e.nextDeadline()).toBe(Infinity);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate on explicit time', () => {
    const b = new TokenBucket(4, 4, 0);
    expect([0, 0, 0, 0, 0].map(() => b.take(0))).toEqual([true, true, true, true, false]);
    expect(b.take(249)).toBe(false);
    expect(b.take(250)).toBe(true);
    expect(b.take(10_000)).toBe(true);
    expect([0, 0, 0, 0].map(() => b.take(10_000))).toEqual([true, true, true, false]); // never more than the burst
  });
});

describe('ArpEngine actions are reused, not allocated per packet', () => {
  const request = { operation: 1, senderMac: PEER, senderIp: PEER_IP, targetMac: 0, targetIp: ME };

  it('takeActions() swaps between two arrays, and the action objects are pooled', () => {
    const e = engine();
    e.input(request, 0);
    const first = e.takeActions();
    expect(first).toHaveLength(1);
    const reply = first[0]!;
    expect(reply).toEqual({
      kind: 'arp', dst: PEER, reason: 'reply', packet: { operation: 2, senderMac: MAC, senderIp: ME, targetMac: PEER, targetIp: PEER_IP },
    });
    const empty = e.takeActions();
    expect(empty).toHaveLength(0);
    expect(empty).not.toBe(first);
    e.input({ ...request, senderMac: 0x02000000000c, senderIp: ipv4('192.0.2.3') }, 1);
    const third = e.takeActions();
    expect(third).toBe(first); // the same array, emptied and refilled
    expect(third[0]).toBe(reply); // the same action object, refilled
    expect(third[0]).toMatchObject({ dst: 0x02000000000c, packet: { targetMac: 0x02000000000c, targetIp: ipv4('192.0.2.3') } });
    expect(e.takeActions()).toBe(empty);
  });

  it('what takeActions() returned stays valid until the next takeActions(), even as new actions are made', () => {
    const e = engine();
    e.input(request, 0);
    const taken = e.takeActions();
    e.input({ ...request, senderMac: 0x02000000000c, senderIp: ipv4('192.0.2.3') }, 1);
    e.enqueue(ipv4('192.0.2.4'), 0x0800, Uint8Array.of(1), 1);
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatchObject({ dst: PEER, packet: { targetIp: PEER_IP } });
    expect(kinds(e.takeActions())).toEqual(['reply', 'request']);
  });

  it('lets go of sent packets: a flushed packet is not held once its batch is recycled', () => {
    const e = engine();
    const bytes = Uint8Array.of(7, 7);
    e.enqueue(PEER_IP, 0x0800, bytes, 0);
    e.takeActions();
    e.input({ ...request, operation: 2 }, 1);
    const flushed = e.takeActions();
    const slot = flushed[0]!;
    expect(slot).toMatchObject({ kind: 'packet', dst: PEER, bytes });
    e.takeActions();
    e.takeActions(); // the batch that held the packet is recycled now
    expect(flushed).toHaveLength(0);
    expect(slot.kind === 'packet' && slot.bytes).not.toBe(bytes);
  });
});

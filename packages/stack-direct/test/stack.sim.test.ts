// Simulation ring: whole direct stacks over @stack/netif links with faults,
// in virtual time from seeds. Every randomized case names its seed, and
// re-running with that seed reproduces it.
import { afterAll, describe, expect, it } from 'vitest';
import type { FrameHandler, NetDevice, UdpDatagram } from '@stack/interfaces';
import { isStackError } from '@stack/interfaces';
import { SimNetwork, SimScheduler, SeededRandom } from '@stack/sim';
import { memoryLink } from '@stack/netif';
import { createDirectStack, type DirectStack } from '@stack/stack-direct';
import { formatMac } from '@stack/wire';
import { bridgeNet, expectCleanCaptures, keepPcap, pattern, sha256 } from './helpers.js';

/** Sends `data` from a to b's port 9 and resolves with what b received (copied), or undefined after `wait` ms. */
async function udpOnce(sched: SimScheduler, a: DirectStack, b: DirectStack, data: Uint8Array, wait = 5000): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const sink = b.udp.bind(9, (d: UdpDatagram) => {
      if (done) return;
      done = true;
      cancel();
      sink.close();
      resolve(d.data.slice());
    });
    const cancel = sched.at(sched.now() + wait, () => {
      if (done) return;
      done = true;
      sink.close();
      resolve(undefined);
    });
    expect(a.udp.send(b.address, 9, data)).toBeNull();
  });
}

const leftovers: string[] = [];
const kept: string[] = [];
afterAll(async () => {
  // Every test closes its network and checks the scheduler; this catches one that forgot.
  expect(leftovers).toEqual([]);
  // tshark dissects every capture these tests wrote.
  await expectCleanCaptures(kept);
}, 120_000);

function keep(name: string, bytes: Uint8Array): void {
  kept.push(keepPcap(name, bytes));
}

describe('two stacks on a learning bridge', () => {
  it('ping each other, learning each other by ARP', async () => {
    const t = bridgeNet(1, 2);
    const [h1, h2] = t.stacks as [DirectStack, DirectStack];
    const r = await t.net.scheduler.runUntilSettled(h1.icmp.ping('10.0.0.2', { size: 56 }));
    expect(r).toMatchObject({ ok: true, from: h2.address, ttl: 64, bytes: 64 });
    const back = await t.net.scheduler.runUntilSettled(h2.icmp.ping(h1.address));
    expect(back.ok).toBe(true);
    const snap = h1.inspect();
    expect(snap.arp.entries).toEqual([expect.objectContaining({ ip: '10.0.0.2', mac: formatMac(h2.layers.device.mac), state: 'reachable' })]);
    expect(h2.inspect().arp.entries.map((e) => e.ip)).toEqual(['10.0.0.1']);
    // A ping to nobody times out (ARP never resolves) and says so as a value.
    const none = await t.net.scheduler.runUntilSettled(h1.icmp.ping('10.0.0.77', { timeout: 500 }));
    expect(none.ok).toBe(false);
    keep('ping', t.pcap.bytes());
    expect(await t.close()).toBe(0);
  });

  it('exchange a UDP request and response', async () => {
    const t = bridgeNet(2, 2);
    const [client, server] = t.stacks as [DirectStack, DirectStack];
    server.udp.bind(4242, (d) => {
      const reply = new TextEncoder().encode(`re: ${new TextDecoder().decode(d.data)}`);
      expect(server.udp.send(d.src, d.srcPort, reply, { srcPort: 4242 })).toBeNull();
    });
    const got = new Promise<{ text: string; from: number; port: number }>((resolve) => {
      const sock = client.udp.bind(0, (d) => resolve({ text: new TextDecoder().decode(d.data), from: d.src, port: d.srcPort }));
      expect(sock.port).toBeGreaterThanOrEqual(49152);
      sock.send(server.address, 4242, new TextEncoder().encode('question'));
    });
    await expect(t.net.scheduler.runUntilSettled(got)).resolves.toEqual({ text: 're: question', from: server.address, port: 4242 });
    expect(server.inspect().udp.sockets).toEqual([{ port: 4242, address: '0.0.0.0' }]);
    keep('udp', t.pcap.bytes());
    expect(await t.close()).toBe(0);
  });

  it('answer a datagram to a closed port with ICMP port unreachable, which reaches the sender', async () => {
    const t = bridgeNet(3, 2);
    const [a, b] = t.stacks as [DirectStack, DirectStack];
    const err = new Promise<{ kind: string; code: number }>((resolve) => {
      const sock = a.udp.bind(0, () => {}, { onError: (e) => resolve({ kind: e.kind, code: e.code }) });
      sock.send(b.address, 4444, new Uint8Array(10));
    });
    await expect(t.net.scheduler.runUntilSettled(err)).resolves.toEqual({ kind: 'unreachable', code: 3 });
    expect(b.inspect().udp.stats.dropped.noPort).toBe(1);
    expect(b.inspect().icmp.stats.errorsSent).toBe(1);
    keep('port-unreachable', t.pcap.bytes());
    expect(await t.close()).toBe(0);
  });
});

describe('fragmentation and reassembly under faults', () => {
  it('a 60 KB datagram crosses MTU 1500 with 20% reordering and 5% duplication intact', async () => {
    for (const seed of [11, 12, 13, 14, 15]) {
      const t = bridgeNet(seed, 2, { faults: { reorder: { probability: 0.2, delay: 0.5 }, duplicate: 0.05 } });
      const [a, b] = t.stacks as [DirectStack, DirectStack];
      const data = pattern(60_000, seed);
      const got = await t.net.scheduler.runUntilSettled(udpOnce(t.net.scheduler, a, b, data));
      expect(got, `seed ${seed}`).toBeDefined();
      expect(sha256(got!), `seed ${seed}`).toBe(sha256(data));
      const fs = t.net.faultStats('h1.eth0');
      expect(fs!.reordered + fs!.duplicated, `seed ${seed}: the faults did happen`).toBeGreaterThan(0);
      expect(a.inspect().ipv4.stats.fragmentsOut, `seed ${seed}`).toBe(41);
      expect(b.inspect().ipv4.stats.reassembled, `seed ${seed}`).toBe(1);
      expect(b.inspect().ipv4.reassembly, `seed ${seed}`).toEqual({ datagrams: 0, bytes: 0 });
      if (seed === 11) keep('fragments-reorder-dup', t.pcap.bytes());
      expect(await t.close(), `seed ${seed}`).toBe(0);
    }
  });

  it('under 10% loss, incomplete reassemblies time out and release their memory', async () => {
    const seed = 21;
    const net = new SimNetwork({ seed });
    const br = net.bridge('br0');
    const sched = net.scheduler;
    // Count, independently of the stack, the fragments of each datagram that reach b's wire.
    const arrived = new Map<number, number>();
    const bDev = spyOnReceive(net.attach('b', br), (frame) => {
      if (frame.length > 34 && frame[12] === 0x08 && frame[13] === 0 && frame[23] === 17) {
        const id = (frame[18]! << 8) | frame[19]!;
        arrived.set(id, (arrived.get(id) ?? 0) + 1);
      }
    });
    const a = createDirectStack(net.attach('a', br, { faults: { loss: 0.1, direction: 'tx' } }), { scheduler: sched, random: net.randomFor('a') }, { address: '10.0.0.1/24' });
    const b = createDirectStack(bDev, { scheduler: sched, random: net.randomFor('b') }, { address: '10.0.0.2/24' });
    a.layers.arp.addStatic(b.address, b.layers.device.mac); // no ARP in the way: loss hits fragments only
    const received: string[] = [];
    b.udp.bind(9, (d) => received.push(sha256(d.data)));
    const sent: string[] = [];
    const fragmentsPerDatagram = Math.ceil(20_008 / 1480);
    for (let i = 0; i < 20; i++) {
      const data = pattern(20_000, i);
      sent.push(sha256(data));
      expect(a.udp.send(b.address, 9, data)).toBeNull();
      sched.runFor(10);
    }
    const complete = [...arrived.values()].filter((n) => n === fragmentsPerDatagram).length;
    const partial = [...arrived.values()].filter((n) => n < fragmentsPerDatagram).length;
    // The seed must exercise both outcomes, or the test proves nothing.
    expect(partial, `seed ${seed}`).toBeGreaterThan(0);
    expect(complete, `seed ${seed}`).toBeGreaterThan(0);
    const held = b.inspect().ipv4.reassembly;
    expect(held.datagrams, `seed ${seed}`).toBe(partial);
    expect(held.bytes, `seed ${seed}`).toBeGreaterThan(0);
    expect(received.length, `seed ${seed}`).toBe(complete);
    for (const h of received) expect(sent).toContain(h);
    sched.runFor(31_000); // past the 30 s reassembly timeout
    const after = b.inspect();
    expect(after.ipv4.reassembly, `seed ${seed}`).toEqual({ datagrams: 0, bytes: 0 });
    expect(after.ipv4.stats.dropped.reassemblyTimeout, `seed ${seed}`).toBe(partial);
    expect(received.length, `seed ${seed}: nothing more arrives after the timeout`).toBe(complete);
    await a.close();
    await b.close();
    await net.close();
    expect(sched.pending()).toBe(0);
  });
});

/** A device whose received frames `spy` sees first. */
function spyOnReceive(dev: NetDevice, spy: (frame: Uint8Array) => void): NetDevice {
  return new Proxy(dev, {
    get(target, prop) {
      if (prop === 'onReceive') return (handler: FrameHandler) => target.onReceive((frame, meta) => { spy(frame); handler(frame, meta); });
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('ARP under loss', () => {
  for (const seed of [31, 32, 33, 34]) {
    it(`resolution retries until it gets through (seed ${seed})`, async () => {
      const t = bridgeNet(seed, 2, { faults: { loss: 0.4, direction: 'tx' } });
      const [a, b] = t.stacks as [DirectStack, DirectStack];
      const sched = t.net.scheduler;
      let ok = false;
      for (let i = 0; i < 40 && !ok; i++) {
        const r = await sched.runUntilSettled(a.icmp.ping(b.address, { timeout: 1000 }));
        ok = r.ok;
        if (!r.ok && r.error !== 'timeout') await sched.runUntilSettled(new Promise<void>((res) => sched.at(sched.now() + 1000, res)));
      }
      expect(ok, `seed ${seed}`).toBe(true);
      const arp = a.inspect().arp;
      expect(arp.entries.some((e) => e.ip === '10.0.0.2' && e.state === 'reachable')).toBe(true);
      expect(arp.stats.requestsSent).toBeGreaterThanOrEqual(1);
      expect(await t.close()).toBe(0);
    });
  }
});

describe('determinism', () => {
  async function run(seed: number): Promise<Uint8Array> {
    const t = bridgeNet(seed, 3, { faults: { loss: 0.05, reorder: 0.1, duplicate: 0.05, jitter: 0.02 } });
    const [a, b, c] = t.stacks as [DirectStack, DirectStack, DirectStack];
    const sched = t.net.scheduler;
    b.udp.bind(7, (d) => b.udp.send(d.src, d.srcPort, d.data, { srcPort: 7 }));
    await sched.runUntilSettled(a.icmp.ping(b.address));
    await sched.runUntilSettled(c.icmp.ping(a.address));
    for (let i = 0; i < 5; i++) {
      a.udp.send(b.address, 7, pattern(3000 + i * 700, i));
      c.udp.send(b.address, 7, pattern(100, i));
      sched.runFor(5);
    }
    sched.runFor(1000);
    const bytes = t.pcap.bytes();
    expect(await t.close()).toBe(0);
    return bytes;
  }

  it('the same seed gives byte-identical pcaps; another seed a different one', async () => {
    const first = await run(41);
    const second = await run(41);
    const other = await run(42);
    expect(first.length).toBeGreaterThan(1000);
    expect(sha256(second)).toBe(sha256(first));
    expect(sha256(other)).not.toBe(sha256(first));
    keep('determinism-41', first);
    keep('determinism-42', other);
  });
});

describe('hostile input', () => {
  it('random and mutated frames are counted and dropped; the stack still answers a real peer', async () => {
    const seed = 51;
    const net = new SimNetwork({ seed });
    const br = net.bridge('br0');
    const sched = net.scheduler;
    const victimDev = net.attach('victim', br);
    const victim = createDirectStack(victimDev, { scheduler: sched, random: net.randomFor('victim') }, { address: '10.0.0.2/24' });
    const peer = createDirectStack(net.attach('peer', br), { scheduler: sched, random: net.randomFor('peer') }, { address: '10.0.0.3/24' });
    const attacker = net.attach('attacker', br);
    attacker.onReceive(() => {});
    victim.udp.bind(7, (d) => victim.udp.send(d.src, d.srcPort, d.data, { srcPort: 7 }));
    // A valid UDP exchange first: the frames to mutate, and proof the path works.
    const valid: Uint8Array[] = [];
    const rnd = new SeededRandom(seed);
    const header = new Uint8Array(14);
    for (let i = 0; i < 6; i++) header[i] = Math.floor(victimDev.mac / 2 ** (8 * (5 - i))) & 0xff;
    header.set([0x02, 0x66, 0x66, 0x66, 0x66, 0x66], 6);
    // An IPv4/UDP datagram to the victim's echo port, built by the peer's own stack into a scratch device.
    const template = await captureOneFrame(peer, victim.address);
    valid.push(template);
    for (let i = 0; i < 5000; i++) {
      let frame: Uint8Array;
      if (rnd.chance(0.5)) {
        // Mutate the valid frame: flip bytes, truncate, or stretch lengths.
        frame = template.slice(0, 14 + rnd.below(template.length - 13));
        const flips = 1 + rnd.below(4);
        for (let f = 0; f < flips; f++) frame[14 + rnd.below(Math.max(1, frame.length - 14))]! ^= 1 << rnd.below(8);
      } else {
        frame = new Uint8Array(14 + rnd.below(120));
        rnd.fill(frame);
        frame.set(header.subarray(0, 12));
        frame[12] = 0x08;
        frame[13] = rnd.chance(0.3) ? 0x06 : 0x00;
        if (frame.length > 14 && rnd.chance(0.7)) frame[14] = 0x45;
      }
      frame.set(header.subarray(0, 6)); // always to the victim's MAC
      attacker.transmit(frame);
      if (i % 50 === 0) sched.runFor(1);
    }
    sched.runFor(10);
    const s = victim.inspect();
    const sum = (o: Record<string, number>): number => Object.values(o).reduce((x, y) => x + y, 0);
    const drops = sum(s.ipv4.stats.dropped) + sum(s.arp.stats.dropped) + sum(s.udp.stats.dropped) + sum(s.icmp.stats.dropped) + sum(s.ethernet.stats.dropped);
    expect(drops, `seed ${seed}`).toBeGreaterThan(2000);
    expect((s.ipv4.stats.dropped.checksum ?? 0) + (s.udp.stats.dropped.checksum ?? 0), `seed ${seed}: bad checksums counted`).toBeGreaterThan(0);
    expect((s.ipv4.stats.dropped.truncated ?? 0) + (s.udp.stats.dropped.truncated ?? 0), `seed ${seed}: truncations counted`).toBeGreaterThan(0);
    // Still alive and correct: the peer pings it and gets its echo.
    const ping = await sched.runUntilSettled(peer.icmp.ping(victim.address));
    expect(ping.ok, `seed ${seed}`).toBe(true);
    const echoed = new Promise<string>((resolve) => {
      const sock = peer.udp.bind(0, (d) => resolve(new TextDecoder().decode(d.data)));
      sock.send(victim.address, 7, new TextEncoder().encode('still there?'));
    });
    await expect(sched.runUntilSettled(echoed)).resolves.toBe('still there?');
    await victim.close();
    await peer.close();
    await net.close();
    expect(sched.pending()).toBe(0);
  });
});

/** Builds a valid Ethernet/IPv4/UDP frame from `from` to `dst`:7 by sending it over a throwaway link. */
async function captureOneFrame(from: DirectStack, dst: number): Promise<Uint8Array> {
  const sched = new SimScheduler();
  const [x, y] = memoryLink({ scheduler: sched, names: ['x', 'y'] });
  const s = createDirectStack(x, { scheduler: sched, random: new SeededRandom(1) }, { address: { address: from.address, prefix: 24 } });
  s.layers.arp.addStatic(dst, 0x02aaaaaaaaaa);
  let frame: Uint8Array | undefined;
  y.onReceive((f) => {
    frame ??= f.slice();
  });
  s.udp.send(dst, 7, new TextEncoder().encode('a perfectly good datagram'));
  sched.runFor(1);
  await s.close();
  await y.close();
  if (!frame) throw new Error('no frame captured');
  return frame;
}

describe('configuration and lifecycle', () => {
  it('a bad address or gateway gets a message that says what is allowed', () => {
    const sched = new SimScheduler();
    const [d] = memoryLink({ scheduler: sched });
    const deps = { scheduler: sched, random: new SeededRandom(1) };
    const attempt = (opts: Parameters<typeof createDirectStack>[2]): unknown => {
      try {
        createDirectStack(d, deps, opts);
        return undefined;
      } catch (e) {
        return e;
      }
    };
    const e1 = attempt({ address: '10.0.0.300/24' });
    expect(isStackError(e1, 'ERR_INVALID_CONFIG')).toBe(true);
    expect((e1 as Error).message).toMatch(/address: .*10\.0\.0\.300\/24.*e\.g\. 10\.0\.0\.2\/24/);
    const e2 = attempt({ address: '10.0.0.1/24', gateway: 'router' });
    expect((e2 as Error).message).toMatch(/gateway: .*dotted quad/);
    const e3 = attempt({} as never);
    expect((e3 as Error).message).toMatch(/need `address`/);
  });

  it('config shows every default; inspect() is plain JSON; close() leaves no timers and refuses use after', async () => {
    const t = bridgeNet(61, 2);
    const [a, b] = t.stacks as [DirectStack, DirectStack];
    await t.net.scheduler.runUntilSettled(a.icmp.ping(b.address));
    const config = a.config as { ipv4: { ttl: number; address: string }; arp: { cacheSize: number }; udp: { ephemeralMin: number } };
    expect(config.ipv4).toMatchObject({ ttl: 64, address: '10.0.0.1/24' });
    expect(config.arp.cacheSize).toBeGreaterThan(0);
    expect(config.udp.ephemeralMin).toBe(49152);
    const snap = a.inspect();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(t.net.scheduler.pending()).toBeGreaterThan(0); // ARP expiry and friends
    await a.close();
    await a.close(); // idempotent
    expect(() => a.udp.bind(1000, () => {})).toThrowError(expect.objectContaining({ code: 'ERR_CLOSED' }));
    expect(await t.close()).toBe(0);
  });

  it('a whole network from any seed closes to zero timers (property over 25 seeds)', async () => {
    for (let seed = 100; seed < 125; seed++) {
      const t = bridgeNet(seed, 3, { faults: { loss: 0.1, duplicate: 0.05, reorder: 0.1 } });
      const [a, b, c] = t.stacks as [DirectStack, DirectStack, DirectStack];
      const sched = t.net.scheduler;
      b.udp.bind(7, (d) => b.udp.send(d.src, d.srcPort, d.data, { srcPort: 7 }));
      void a.icmp.ping(c.address);
      a.udp.send(b.address, 7, pattern(5000, seed));
      c.udp.send(b.address, 7, pattern(50, seed));
      sched.runFor(2000);
      const left = await t.close();
      if (left !== 0) leftovers.push(`seed ${seed}: ${left} timers`);
      expect(left, `seed ${seed}`).toBe(0);
    }
  });
});

// Keep SimNetwork referenced for readers of this file: bridgeNet builds on it.
void SimNetwork;

describe('stack.udp.send without a socket', () => {
  it('uses a fresh ephemeral port per datagram and leaves nothing bound', async () => {
    const t = bridgeNet(71, 2);
    const [a, b] = t.stacks as [DirectStack, DirectStack];
    const ports: number[] = [];
    b.udp.bind(9, (d) => ports.push(d.srcPort));
    for (let i = 0; i < 20; i++) expect(a.udp.send(b.address, 9, new Uint8Array([i]))).toBeNull();
    t.net.scheduler.runFor(100);
    expect(ports.length).toBe(20);
    expect(new Set(ports).size).toBeGreaterThan(15); // random picks from 16,384 ports rarely collide
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(49152);
    expect(a.inspect().udp.sockets).toEqual([]);
    expect(() => a.udp.send(b.address, 9, new Uint8Array(1), { srcPort: 5000 })).toThrowError(/not bound on this stack/);
    expect(await t.close()).toBe(0);
  });
});

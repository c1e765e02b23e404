import type { Ipv4Address, PingResult, Scheduler, UdpDatagram } from '@stack/interfaces';
import { createDirectStack, type DirectStack } from '@stack/stack-direct';
import { SimNetwork } from '@stack/sim';
import { PcapngWriter, memorySink } from '@stack/pcap';
import { formatIpv4, bytesEqual } from '@stack/wire';
import type { DemoOptions } from './cli.js';
import { TCP_DISCARD_PORT, TCP_ECHO_PORT, serveEcho, tcpBulk, tcpEcho } from './tcp.js';

/** One exchange the demo attempts, and how it went. */
export interface Exchange {
  readonly what: string;
  readonly ok: boolean;
  readonly attempts: number;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly exchanges: readonly Exchange[];
  /** The pcapng bytes, when `pcap` was asked for. */
  readonly pcap: Uint8Array | undefined;
  /** Virtual time at the end, ms. */
  readonly elapsed: number;
}

const HOSTS = [
  { name: 'alpha', address: '10.0.0.1/24' },
  { name: 'beta', address: '10.0.0.2/24' },
  { name: 'gamma', address: '10.0.0.3/24' },
] as const;

/** Every link of the network: a 100 Mbit/s cable with 0.5 ms one-way delay (so TCP has a real RTT and a rate to reach). */
const LINK = { bandwidth: 100_000_000, latency: 0.5 } as const;

const ECHO_PORT = 7;
/** The bulk transfer's size: 1 MiB. */
const BULK_BYTES = 1 << 20;
/** How often a lost exchange is tried again before the demo calls it failed. */
const MAX_ATTEMPTS = 60;

/**
 * Runs the demo network in virtual time and narrates it through `say`.
 * Deterministic: the same options give the same lines and the same pcap.
 */
export async function runDemo(options: DemoOptions, say: (line: string) => void): Promise<DemoResult> {
  const net = new SimNetwork({ seed: options.seed, defaults: LINK });
  const clock = net.scheduler;
  const stamp = (): string => `[${clock.now().toFixed(3).padStart(10)} ms]`;
  const tell = (line: string): void => {
    if (!options.quiet) say(`${stamp()} ${line}`);
  };

  const sink = options.pcap !== undefined ? memorySink() : undefined;
  if (sink) net.capture(new PcapngWriter(sink));
  if (options.trace) net.trace((line) => say(`        ${line}`));

  const bridge = net.bridge('br0');
  const loss = options.loss / 100;
  const stacks = new Map<string, DirectStack>();
  for (const h of HOSTS) {
    // Loss on what each host sends: every frame crosses one lossy hop.
    const device = net.attach(h.name, bridge, loss > 0 ? { faults: { loss, direction: 'tx' } } : {});
    stacks.set(h.name, createDirectStack(device, { scheduler: clock, random: net.randomFor(h.name) }, { name: h.name, address: h.address }));
  }
  const host = (name: string): DirectStack => stacks.get(name)!;

  tell(`network: ${HOSTS.map((h) => `${h.name} ${h.address}`).join(', ')} on learning bridge br0 (${LINK.bandwidth / 1e6} Mbit/s links, ${LINK.latency} ms each way)` + (loss > 0 ? `, each host losing ${options.loss}% of the frames it sends` : ''));

  // beta runs an RFC 862 echo service on UDP port 7.
  const beta = host('beta');
  const echo = beta.udp.bind(ECHO_PORT, (d) => {
    beta.udp.send(d.src, d.srcPort, d.data, { srcPort: ECHO_PORT });
  });

  const exchanges: Exchange[] = [];
  const script = async (): Promise<void> => {
    tell('-- ARP and ping: each host pings the next; the first ping needs ARP to find the MAC');
    for (const [from, to] of [['alpha', 'beta'], ['beta', 'gamma'], ['gamma', 'alpha']] as const) {
      for (let seq = 1; seq <= 2; seq++) {
        exchanges.push(await pingUntilAnswered(clock, host(from), host(to).address, `${from} ping ${to}`, tell));
        if (seq === 1) {
          const entry = host(from).inspect().arp.entries.find((e) => e.ip === formatIpv4(host(to).address));
          if (entry?.mac) tell(`${from} learned by ARP: ${entry.ip} is at ${entry.mac}`);
        }
      }
    }

    tell(`-- UDP: beta echoes on port ${ECHO_PORT}; alpha and gamma send it a line each`);
    for (const from of ['alpha', 'gamma'] as const) {
      const text = new TextEncoder().encode(`hello from ${from}`);
      exchanges.push(await udpRoundTrip(clock, host(from), beta.address, text, `${from} → beta udp "${new TextDecoder().decode(text)}"`, tell));
    }

    tell('-- fragmentation: alpha sends an 8000-byte datagram; IP cuts it into 6 fragments each way and beta reassembles');
    const big = new Uint8Array(8000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    exchanges.push(await udpRoundTrip(clock, host('alpha'), beta.address, big, 'alpha → beta udp 8000 bytes', tell));

    tell(`-- TCP echo: beta serves RFC 862 echo on tcp/${TCP_ECHO_PORT}; gamma connects, sends three lines, reads each back, closes`);
    const tcpEchoServer = serveEcho(beta);
    exchanges.push(await tcpEcho(clock, host('gamma'), beta, ['hello over TCP', 'the quick brown fox', 'bye'], tell));
    await tcpEchoServer.close();

    tell(`-- TCP bulk: alpha sends ${BULK_BYTES >> 20} MiB to an RFC 863 discard sink on gamma tcp/${TCP_DISCARD_PORT}, which hashes what it reads`);
    exchanges.push(await tcpBulk(clock, host('alpha'), host('gamma'), BULK_BYTES, tell));
  };

  await clock.runUntilSettled(script());
  echo.close();

  const ok = exchanges.every((e) => e.ok);
  const totals = [...stacks.values()].map((s) => {
    const snap = s.inspect();
    const lost = net.faultStats(snap.device.name)?.lost;
    return `${s.name}: ${snap.device.stats.txFrames} frames out${lost ? ` (${lost} more lost on the way)` : ''}, ${snap.device.stats.rxFrames} in, ${snap.arp.entries.length} ARP entries, ${snap.ipv4.stats.fragmentsOut} fragments out, ${snap.ipv4.stats.reassembled} reassembled, ${snap.tcp.stats.tx} TCP segments out, ${snap.tcp.stats.rx} in`;
  });
  for (const line of totals) tell(line);
  for (const s of stacks.values()) await s.close();
  await net.close();
  const failed = exchanges.filter((e) => !e.ok);
  say(
    `${ok ? 'ok' : 'FAILED'}: ${exchanges.length - failed.length}/${exchanges.length} exchanges succeeded in ${clock.now().toFixed(3)} ms of virtual time (seed ${options.seed}, loss ${options.loss}%)` +
      (failed.length ? `; failed: ${failed.map((e) => e.what).join(', ')}` : ''),
  );
  return { ok, exchanges, pcap: sink?.bytes(), elapsed: clock.now() };
}

async function pingUntilAnswered(clock: Scheduler, from: DirectStack, to: Ipv4Address, what: string, tell: (l: string) => void): Promise<Exchange> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const r: PingResult = await from.icmp.ping(to, { timeout: 1000 });
    if (r.ok) {
      tell(`${what}: reply from ${formatIpv4(r.from)} seq ${r.seq} in ${r.rtt.toFixed(3)} ms, ttl ${r.ttl}` + (attempt > 1 ? ` (attempt ${attempt})` : ''));
      return { what, ok: true, attempts: attempt };
    }
    tell(`${what}: seq ${r.seq} ${r.error}, trying again`);
    // 'unreachable' comes at once while ARP remembers a failed resolution;
    // wait a second, like ping's interval, instead of spinning.
    if (r.error !== 'timeout') await sleep(clock, 1000);
  }
  return { what, ok: false, attempts: MAX_ATTEMPTS };
}

async function udpRoundTrip(clock: Scheduler, from: DirectStack, to: Ipv4Address, data: Uint8Array, what: string, tell: (l: string) => void): Promise<Exchange> {
  let answered: ((d: Uint8Array) => void) | undefined;
  const socket = from.udp.bind(0, (d: UdpDatagram) => answered?.(d.data.slice()));
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const sentAt = clock.now();
      let cancel = (): void => {};
      const reply = new Promise<Uint8Array | undefined>((resolve) => {
        cancel = clock.at(clock.now() + 2000, () => resolve(undefined));
        answered = (bytes) => {
          cancel();
          resolve(bytes);
        };
      });
      const err = socket.send(to, ECHO_PORT, data);
      if (err !== null) cancel();
      const got = err === null ? await reply : undefined;
      answered = undefined;
      if (got && bytesEqual(got, data)) {
        tell(`${what}: echoed intact (${got.length} bytes) in ${(clock.now() - sentAt).toFixed(3)} ms` + (attempt > 1 ? ` (attempt ${attempt})` : ''));
        return { what, ok: true, attempts: attempt };
      }
      tell(`${what}: ${err ?? (got ? 'reply differs' : 'no reply in 2 s')}, trying again`);
    }
    return { what, ok: false, attempts: MAX_ATTEMPTS };
  } finally {
    socket.close();
  }
}

function sleep(clock: Scheduler, ms: number): Promise<void> {
  return new Promise((resolve) => clock.at(clock.now() + ms, resolve));
}

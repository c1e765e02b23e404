// Shared by the tcp-*.sim.test.ts files: two direct stacks on a simulated
// point-to-point link (faults, MTU, rate and delay as asked), and bulk
// transfers over TCP that hash every byte on both ends.
import { createHash, type Hash } from 'node:crypto';
import type { TcpConnectionSnapshot } from '@stack/interfaces';
import type { FaultSpec } from '@stack/netif';
import { PcapngWriter, memorySink, type MemorySink } from '@stack/pcap';
import { SeededRandom, SimNetwork } from '@stack/sim';
import type { TcpError, TcpFlow, TcpLayerConfig } from '@stack/tcp';
import { ipv4 } from '@stack/wire';
import { createDirectStack, type DirectStack } from '@stack/stack-direct';
import { pattern } from './data.js';

export { pattern };


/** How two stacks are joined. */
export interface PairOptions {
  seed: number;
  /** Link MTU, both ends (default 1500). */
  mtu?: number;
  /** One-way delay, ms (default the link's 0.01). */
  latency?: number;
  /** Bits per second (default: none). */
  bandwidth?: number;
  /** Bytes waiting for serialization per direction before drops (link default 1 MiB). */
  queueLimit?: number;
  /** Faults on the link, at the client's end: direction 'both' hits each direction once. */
  faults?: FaultSpec;
  /** TCP config of both stacks. */
  tcp?: TcpLayerConfig;
  /** Record a pcapng of both interfaces. */
  capture?: boolean;
  /**
   * Static ARP entries on both ends, so no ARP goes on the wire. For
   * corruption: ARP has no checksum, and a flipped bit in a reply poisons
   * the cache for its reachable time (60 s), which no TCP test is about.
   */
  staticArp?: boolean;
}

/** A client (10.0.0.1, "h1") and a server (10.0.0.2, "h2") on one cable. */
export interface Pair {
  readonly net: SimNetwork;
  readonly client: DirectStack;
  readonly server: DirectStack;
  readonly pcap: MemorySink | null;
  /** Closes both stacks and the network; returns the scheduler's pending timers (must be 0). */
  close(): Promise<number>;
}

export function tcpPair(o: PairOptions): Pair {
  const net = new SimNetwork({ seed: o.seed });
  let pcap: MemorySink | null = null;
  if (o.capture === true) {
    pcap = memorySink();
    net.capture(new PcapngWriter(pcap));
  }
  const [a, b] = net.link('h1', 'h2', {
    ...(o.mtu !== undefined ? { mtu: o.mtu } : {}),
    ...(o.latency !== undefined ? { latency: o.latency } : {}),
    ...(o.bandwidth !== undefined ? { bandwidth: o.bandwidth } : {}),
    ...(o.queueLimit !== undefined ? { queueLimit: o.queueLimit } : {}),
    ...(o.faults !== undefined ? { faults: o.faults } : {}),
  });
  const deps = (name: string) => ({ scheduler: net.scheduler, random: net.randomFor(name) });
  const tcp = o.tcp !== undefined ? { tcp: o.tcp } : {};
  const arp = (ip: string, mac: number) => (o.staticArp === true ? { arp: { static: [{ ip: ipv4(ip), mac }] } } : {});
  const client = createDirectStack(a, deps('h1'), { name: 'h1', address: '10.0.0.1/24', ...tcp, ...arp('10.0.0.2', b.mac) });
  const server = createDirectStack(b, deps('h2'), { name: 'h2', address: '10.0.0.2/24', ...tcp, ...arp('10.0.0.1', a.mac) });
  return {
    net,
    client,
    server,
    pcap,
    async close() {
      await client.close();
      await server.close();
      await net.close();
      return net.scheduler.pending();
    },
  };
}

/** Which way the bulk data goes. */
export type Mode =
  /** client writes, closes; server reads to EOF, closes. */
  | 'c2s'
  /** server writes, closes; client reads to EOF, closes. */
  | 's2c'
  /**
   * half close: the client writes and shuts down; the server reads to EOF
   * while sending, and keeps sending after the client's FIN (CLOSE-WAIT),
   * then closes; the client reads all of it in FIN-WAIT-2, then closes.
   */
  | 'half';

/** Incremental SHA-256 and length of a byte stream. */
export class Digest {
  private readonly h: Hash = createHash('sha256');
  bytes = 0;
  update(b: Uint8Array): void {
    this.h.update(b);
    this.bytes += b.length;
  }
  hex(): string {
    return this.h.digest('hex');
  }
}

/** Reads `flow` to EOF into a digest; throws on a read error. `onData` sees every chunk. */
export async function drain(flow: TcpFlow, what: string, onData?: (n: number) => void): Promise<Digest> {
  const d = new Digest();
  for (;;) {
    const r = await flow.read();
    if (r.data !== undefined) {
      d.update(r.data);
      onData?.(r.data.length);
    } else if (r.eof === true) return d;
    else throw new Error(`${what}: read failed: ${r.error}`);
  }
}

/** Writes `data` in chunks of 1..64 KiB (sizes from `rnd`), hashing what went in (into `into`); throws on a write error. */
export async function pump(flow: TcpFlow, data: Uint8Array, rnd: SeededRandom, what: string, into = new Digest()): Promise<Digest> {
  let at = 0;
  while (at < data.length) {
    const n = Math.min(data.length - at, 1 + rnd.below(65_536));
    const chunk = data.subarray(at, at + n);
    into.update(chunk);
    const err = await flow.write(chunk);
    if (err !== null) throw new Error(`${what}: write failed at byte ${at}: ${err}`);
    at += n;
  }
  return into;
}

/** One direction of a transfer: hashes and lengths at both ends. */
export interface StreamResult {
  name: string;
  sent: string;
  got: string;
  sentBytes: number;
  gotBytes: number;
}

/** What one transfer saw. */
export interface TransferResult {
  streams: StreamResult[];
  /** Virtual ms from connect() to the last byte of the main stream read. */
  elapsed: number;
  /** The sending end's connection (`ss -ti`) at the moment its peer read the last byte of the main stream. */
  sender: TcpConnectionSnapshot | undefined;
  /** States of the connections left (LISTEN excluded) right after both closes resolved. */
  afterClose: { client: string[]; server: string[] };
  /** Each end's connection error (engine) right after its close() resolved: null for a clean close. */
  closeErrors: { client: TcpError | null; server: TcpError | null };
  /** Each end's connection as soon as it was established. */
  established: { client: TcpConnectionSnapshot | undefined; server: TcpConnectionSnapshot | undefined };
}

export const PORT = 5001;

/** Connections of a stack, LISTEN excluded. */
export function conns(s: DirectStack): TcpConnectionSnapshot[] {
  return s.inspect().tcp.connections.filter((c) => c.state !== 'LISTEN');
}

/**
 * One connection carrying `size` bytes as `mode` says, both ends closing
 * (in 'half' the server's reply is size/2). Runs virtual time until every
 * promise settled; throws if `deadline` virtual ms pass first, or on any
 * read/write/connect error. The caller checks the result.
 */
export async function transfer(p: Pair, mode: Mode, size: number, seed: number, deadline = 3_600_000): Promise<TransferResult> {
  const { client, server, net } = p;
  const rnd = new SeededRandom((seed ^ 0x5eed) >>> 0);
  const up = mode === 's2c' ? null : pattern(size, seed);
  const down = mode === 'c2s' ? null : pattern(mode === 'half' ? Math.max(1, size >> 1) : size, ~seed);
  const mainLen = up !== null ? up.length : down!.length;
  const start = net.scheduler.now();
  let lastByte = start;
  let sender: TcpConnectionSnapshot | undefined;
  const established: TransferResult['established'] = { client: undefined, server: undefined };
  const closeErrors: TransferResult['closeErrors'] = { client: null, server: null };
  // Called by the receiver of the main stream on every chunk.
  const seen = (senderStack: DirectStack) => {
    let n = 0;
    return (k: number): void => {
      n += k;
      if (n === mainLen) {
        lastByte = net.scheduler.now();
        sender = conns(senderStack)[0];
      }
    };
  };

  const serverSide = new Promise<{ got: Digest | null; sent: Digest | null }>((resolve, reject) => {
    const l = server.tcp.listen(PORT, (flow) => {
      void l.close(); // one connection: the listener goes, the flow lives on
      established.server = conns(server)[0];
      void (async () => {
        let got: Digest | null = null;
        let sent: Digest | null = null;
        if (mode === 'c2s') {
          got = await drain(flow, 'server', seen(client));
        } else if (mode === 's2c') {
          sent = await pump(flow, down!, rnd.fork(), 'server');
        } else {
          // Half the reply while the client still sends, the rest after its FIN.
          const cut = down!.length >> 1;
          const reading = drain(flow, 'server', seen(client));
          reading.catch(() => {}); // awaited below; a failing pump must not leave it unhandled
          sent = await pump(flow, down!.subarray(0, cut), rnd.fork(), 'server');
          got = await reading;
          const st = conns(server)[0]?.state;
          if (st !== 'CLOSE-WAIT') throw new Error(`server: after the client's FIN expected CLOSE-WAIT, got ${st}`);
          await pump(flow, down!.subarray(cut), rnd.fork(), 'server', sent);
        }
        await flow.close();
        closeErrors.server = flow.conn.engine.error;
        return { got, sent };
      })().then(resolve, reject);
    });
  });

  const clientSide = (async () => {
    const r = await client.tcp.connect(server.address, PORT);
    if (r.flow === undefined) throw new Error(`client: connect failed: ${r.error}`);
    const flow = r.flow;
    established.client = conns(client)[0];
    let got: Digest | null = null;
    let sent: Digest | null = null;
    if (mode === 'c2s') {
      sent = await pump(flow, up!, rnd.fork(), 'client');
    } else if (mode === 's2c') {
      got = await drain(flow, 'client', seen(server));
    } else {
      const reading = drain(flow, 'client');
      reading.catch(() => {}); // awaited below; a failing pump must not leave it unhandled
      sent = await pump(flow, up!, rnd.fork(), 'client');
      await flow.shutdown();
      got = await reading;
    }
    await flow.close();
    closeErrors.client = flow.conn.engine.error;
    return { got, sent };
  })();

  const [c, s] = await net.scheduler.runUntilSettled(Promise.all([clientSide, serverSide]), start + deadline, { maxSteps: 20_000_000 });
  const streams: StreamResult[] = [];
  if (up !== null) streams.push({ name: 'client→server', sent: c.sent!.hex(), got: s.got!.hex(), sentBytes: c.sent!.bytes, gotBytes: s.got!.bytes });
  if (down !== null) streams.push({ name: 'server→client', sent: s.sent!.hex(), got: c.got!.hex(), sentBytes: s.sent!.bytes, gotBytes: c.got!.bytes });
  return {
    streams,
    elapsed: lastByte - start,
    sender,
    afterClose: { client: conns(client).map((x) => x.state), server: conns(server).map((x) => x.state) },
    closeErrors,
    established,
  };
}

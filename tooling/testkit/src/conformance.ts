// A conformance suite for any `Stack` (DESIGN.md, "Contracts"): what an app
// may rely on whichever stack it runs on, `@stack/stack-direct` in virtual
// or real time, or `@stack/stack-socket` on the kernel. Call it inside a
// `describe` with a factory for two stacks that reach each other.
//
// In virtual time (a SimScheduler), let the loop breathe between steps so
// promise continuations run while time passes, e.g.:
//   const hostYield = () => new Promise<void>((r) => setImmediate(r));
//   settle: (p) => scheduler.runUntilSettled(p, Infinity, { hostYield }),
//   until: async (cond) => { while (!cond()) { scheduler.runFor(1); await hostYield(); } },
//   sleep: async (ms) => { for (let t = 0; t < ms; t++) { scheduler.runFor(1); await hostYield(); } },
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { echo, type EchoResult } from '@stack/flow';
import { isStackError, type Flow, type Listener, type ReadResult, type Stack, type StackErrorCode, type UdpDatagram } from '@stack/interfaces';
import { formatIpv4, ipv4 } from '@stack/wire';

/** Two stacks that reach each other, and how to let their time run. */
export interface StackPair {
  readonly server: Stack;
  readonly client: Stack;
  /** The server's address as the client dials it. */
  readonly address: string | number;
  /** A TCP port of the server that nothing listens on (a new one each call). */
  port(): number | Promise<number>;
  /** Runs whatever drives the stacks (virtual time; nothing for real sockets) until `p` settles. */
  settle<T>(p: Promise<T>): Promise<T>;
  /** Runs the stacks until `cond()` holds. */
  until(cond: () => boolean): Promise<void>;
  /** Lets `ms` of the stacks' time pass (virtual or real). */
  sleep(ms: number): Promise<void>;
  /** Closes both stacks (and whatever drives them). */
  close(): Promise<void>;
}

/** What differs between stacks, and sizes. */
export interface ConformanceOptions {
  /** What `icmp.ping` of the server gives: an echo reply (stack-direct) or `'unsupported'` (stack-socket). */
  readonly ping: 'reply' | 'unsupported';
  /** Bytes each way in the bulk echo (default 10 MiB). */
  readonly bulkBytes?: number;
  /** The most bytes a writer may get accepted while its peer reads nothing (default 256 MiB): more fails the backpressure test. */
  readonly stallLimit?: number;
  /** How long no write may complete for the writer to count as blocked, ms of the pair's time (default 200). */
  readonly stallQuiet?: number;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Deterministic bytes (a multiplicative hash of the index). */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (Math.imul(i + seed, 2654435761) >>> 24) & 0xff;
  return out;
}

/** Reads until eof; throws on a flow error. */
export async function readAll(flow: Flow, limit = Infinity): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const r = await flow.read();
    if (r.error !== undefined) throw new Error(`read failed: ${r.error} after ${n} bytes`);
    if (r.eof) break;
    parts.push(r.data);
    n += r.data.length;
    if (n > limit) throw new Error(`read ${n} bytes, expected at most ${limit}`);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Writes `data` in chunks, each after the previous one was accepted, then shuts down. */
export async function writeAll(flow: Flow, data: Uint8Array, chunk = 64 * 1024): Promise<void> {
  for (let o = 0; o < data.length; o += chunk) {
    const err = await flow.write(data.subarray(o, Math.min(o + chunk, data.length)));
    if (err !== null) throw new Error(`write failed: ${err} at ${o}`);
  }
  await flow.shutdown();
}

/** The StackError code `fn` throws, or its promise rejects with (misuse may be either: sync for direct flows, async elsewhere). */
export async function misuseCode(fn: () => unknown): Promise<StackErrorCode | 'no error'> {
  try {
    await fn();
  } catch (err) {
    if (isStackError(err)) return err.code;
    throw err;
  }
  return 'no error';
}

/** Waits for a listener to be bound (`Listener.ready`). */
async function listening(pair: StackPair, l: Listener): Promise<void> {
  await pair.settle(l.ready);
}

/** Registers the conformance tests (vitest `it`s) for the pairs `makePair` builds. */
export function stackConformance(makePair: () => Promise<StackPair>, options: ConformanceOptions): void {
  const bulk = options.bulkBytes ?? 10 * 1024 * 1024;
  const stallLimit = options.stallLimit ?? 256 * 1024 * 1024;
  const quiet = options.stallQuiet ?? 200;

  const withPair = async (fn: (pair: StackPair) => Promise<void>): Promise<void> => {
    const pair = await makePair();
    try {
      await fn(pair);
    } finally {
      await pair.close();
    }
  };

  /** A listener on a fresh port handing each flow to `onFlow`; resolves once bound. */
  const serve = async (pair: StackPair, onFlow: (flow: Flow) => void): Promise<{ port: number; listener: Listener }> => {
    const port = await pair.port();
    const listener = pair.server.tcp!.listen(port, onFlow);
    expect(listener.port).toBe(port);
    await listening(pair, listener);
    return { port, listener };
  };

  const dial = async (pair: StackPair, port: number): Promise<Flow> => {
    const c = await pair.settle(pair.client.tcp!.connect(pair.address, port));
    if (c.error !== undefined) throw new Error(`connect failed: ${c.error}`);
    return c.flow;
  };

  it('TCP: echoes through @stack/flow echo (RFC 862), with the endpoints right', async () => {
    await withPair(async (pair) => {
      let served: Promise<EchoResult> | undefined;
      const { port, listener } = await serve(pair, (flow) => (served = echo(flow)));
      const flow = await dial(pair, port);
      expect(flow.remote).toEqual({ address: ipv4(pair.address), port });
      expect(flow.local.port).toBeGreaterThan(0);
      const msg = text('hello, conformance\n');
      const [, got] = await pair.settle(Promise.all([writeAll(flow, msg), readAll(flow, msg.length)]));
      expect(str(got)).toBe('hello, conformance\n');
      await pair.until(() => served !== undefined);
      expect(await pair.settle(served!)).toEqual({ bytes: msg.length, error: null });
      await pair.settle(flow.close());
      await pair.settle(listener.close());
    });
  });

  it(`TCP: ${bulk} bytes each way arrive intact (SHA-256), with backpressure both ways`, async () => {
    await withPair(async (pair) => {
      const { port } = await serve(pair, (flow) => void echo(flow));
      const flow = await dial(pair, port);
      const data = pattern(bulk, 7);
      const [, got] = await pair.settle(Promise.all([writeAll(flow, data), readAll(flow, bulk)]));
      expect(got.length).toBe(bulk);
      expect(sha256(got)).toBe(sha256(data));
      await pair.settle(flow.close());
    });
  });

  it('TCP: half close: the peer reads eof, answers, and we read its answer after our FIN', async () => {
    await withPair(async (pair) => {
      const { port } = await serve(pair, (flow) => {
        void (async () => {
          const got = await readAll(flow);
          expect(await flow.write(text(`got ${got.length} bytes`))).toBeNull();
          await flow.close();
        })();
      });
      const flow = await dial(pair, port);
      expect(await pair.settle(flow.write(pattern(3000)))).toBeNull();
      await pair.settle(flow.shutdown());
      expect(await misuseCode(() => flow.write(text('late')))).toBe('ERR_CLOSED');
      const answer = await pair.settle(readAll(flow));
      expect(str(answer)).toBe('got 3000 bytes');
      expect(await pair.settle(flow.read())).toEqual({ eof: true });
      await pair.settle(flow.close());
    });
  });

  it('TCP: a writer whose peer does not read is held back (write stays pending), and resumes when it reads', async () => {
    await withPair(async (pair) => {
      let peer: Flow | undefined;
      const { port } = await serve(pair, (flow) => (peer = flow));
      const flow = await dial(pair, port);
      await pair.until(() => peer !== undefined);
      const chunk = pattern(1024 * 1024, 3);
      let accepted = 0;
      let writing = false;
      let stop = false;
      const writer = (async () => {
        while (!stop && accepted < stallLimit) {
          writing = true;
          const r = await flow.write(chunk);
          writing = false;
          if (r !== null) throw new Error(`write failed: ${r}`);
          accepted += chunk.length;
        }
        await flow.shutdown();
      })();
      // Let time pass until no write completes for `quiet` ms: the writer is blocked.
      for (let last = -1; accepted !== last && accepted < stallLimit; ) {
        last = accepted;
        await pair.sleep(quiet);
      }
      expect(accepted).toBeLessThan(stallLimit);
      expect(writing).toBe(true);
      stop = true;
      // The peer reads: every write completes, and it gets exactly what was accepted (plus the pending write).
      const [, got] = await pair.settle(Promise.all([writer, readAll(peer!)]));
      expect(writing).toBe(false);
      expect(got.length).toBe(accepted);
      await pair.settle(Promise.all([flow.close(), peer!.close()]));
    });
  });

  it('TCP: connecting to a port nobody listens on gives refused', async () => {
    await withPair(async (pair) => {
      const port = await pair.port();
      const c = await pair.settle(pair.client.tcp!.connect(pair.address, port));
      expect(c).toEqual({ error: 'refused' });
    });
  });

  it('TCP: abort() resets: the peer reads reset, we read aborted, and writing throws', async () => {
    await withPair(async (pair) => {
      let peer: Flow | undefined;
      const { port } = await serve(pair, (flow) => (peer = flow));
      const flow = await dial(pair, port);
      expect(await pair.settle(flow.write(text('x')))).toBeNull();
      await pair.until(() => peer !== undefined);
      const first = await pair.settle(peer!.read());
      expect(first.data).toEqual(text('x'));
      const pending = peer!.read();
      flow.abort();
      expect(await pair.settle(pending)).toEqual({ error: 'reset' });
      expect(await pair.settle(peer!.write(text('into the void')))).toBe('reset');
      expect(await pair.settle(flow.read())).toEqual({ error: 'aborted' });
      expect(await misuseCode(() => flow.write(text('y')))).toBe('ERR_CLOSED');
      flow.abort(); // twice: nothing
      await pair.settle(peer!.close());
    });
  });

  it('UDP: bind, send and receive both ways, from bound and one-shot ports', async () => {
    await withPair(async (pair) => {
      const dst = ipv4(pair.address);
      const atServer: { data: string; src: number; srcPort: number; dstPort: number }[] = [];
      const server = pair.server.udp.bind(0, (d: UdpDatagram) => {
        atServer.push({ data: str(d.data), src: d.src, srcPort: d.srcPort, dstPort: d.dstPort });
        // Answer from the bound port, through the stack's send.
        expect(pair.server.udp.send(d.src, d.srcPort, d.data.slice(), { srcPort: server.port })).toBeNull();
      });
      expect(server.port).toBeGreaterThan(0);
      const atClient: { data: string; srcPort: number }[] = [];
      const client = pair.client.udp.bind(0, (d) => atClient.push({ data: str(d.data), srcPort: d.srcPort }));
      expect(client.send(dst, server.port, text('one'))).toBeNull();
      expect(client.write(dst, server.port, 3, (buf) => buf.set(text('two')))).toBeNull();
      await pair.until(() => atClient.length === 2);
      expect(atClient.map((d) => d.data).sort()).toEqual(['one', 'two']);
      expect(atClient.every((d) => d.srcPort === server.port)).toBe(true);
      expect(atServer.every((d) => d.srcPort === client.port && d.dstPort === server.port)).toBe(true);
      // A one-shot send leaves from another (ephemeral) port.
      expect(pair.client.udp.send(dst, server.port, text('three'))).toBeNull();
      await pair.until(() => atServer.length === 3);
      expect(atServer[2]!.data).toBe('three');
      expect(atServer[2]!.srcPort).not.toBe(client.port);
      client.close();
      client.close(); // idempotent
      server.close();
    });
  });

  it(`ICMP: ping gives ${options.ping === 'reply' ? 'a reply' : "the typed 'unsupported' error"}`, async () => {
    await withPair(async (pair) => {
      const r = await pair.settle(pair.client.icmp.ping(pair.address, { timeout: 1000 }));
      if (options.ping === 'reply') expect(r).toMatchObject({ ok: true, from: ipv4(pair.address) });
      else expect(r).toMatchObject({ ok: false, error: 'unsupported' });
    });
  });

  it('misuse throws StackError with the stable codes', async () => {
    await withPair(async (pair) => {
      const tcp = pair.server.tcp!;
      const noop = (): void => {};
      expect(await misuseCode(() => tcp.listen(0, noop))).toBe('ERR_INVALID_ARGUMENT');
      expect(await misuseCode(() => tcp.listen(65_536, noop))).toBe('ERR_INVALID_ARGUMENT');
      expect(await misuseCode(() => tcp.listen(1.5, noop))).toBe('ERR_INVALID_ARGUMENT');
      const { port, listener } = await serve(pair, noop);
      expect(await misuseCode(() => tcp.listen(port, noop))).toBe('ERR_PORT_IN_USE');
      expect(await misuseCode(() => pair.client.tcp!.connect(pair.address, 0))).toBe('ERR_INVALID_ARGUMENT');
      expect(await misuseCode(() => pair.client.tcp!.connect('not.an.address', port))).toBe('ERR_INVALID_ARGUMENT');
      const u = pair.server.udp.bind(0, noop);
      expect(await misuseCode(() => pair.server.udp.bind(u.port, noop))).toBe('ERR_PORT_IN_USE');
      expect(await misuseCode(() => pair.server.udp.bind(-1, noop))).toBe('ERR_INVALID_ARGUMENT');
      expect(await misuseCode(() => u.send(ipv4(pair.address), 0, text('x')))).toBe('ERR_INVALID_ARGUMENT');
      expect(await misuseCode(() => pair.server.udp.send(pair.address, 9, text('x'), { srcPort: u.port === 65_535 ? 1 : u.port + 1 }))).toBe('ERR_INVALID_ARGUMENT');
      expect(u.send(ipv4(pair.address), 9, new Uint8Array(70_000))).toBe('too-big');
      u.close();
      expect(await misuseCode(() => u.send(ipv4(pair.address), 9, text('x')))).toBe('ERR_CLOSED');
      const flow = await dial(pair, port);
      await pair.settle(flow.close());
      expect(await misuseCode(() => flow.write(text('x')))).toBe('ERR_CLOSED');
      expect(await pair.settle(flow.read())).toEqual({ error: 'closed' });
      await pair.settle(listener.close());
      // The port is free again.
      const again = tcp.listen(port, noop);
      await listening(pair, again);
      await pair.settle(again.close());
    });
  });

  it('inspect() is plain JSON and lists a live connection and a bound socket', async () => {
    await withPair(async (pair) => {
      const { port } = await serve(pair, noopFlow);
      const flow = await dial(pair, port);
      const u = pair.client.udp.bind(0, () => {});
      const snap = pair.client.inspect();
      expect(snap.name).toBe(pair.client.name);
      expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
      const tcp = snap['tcp'] as { connections: { local: string; remote: string; state: string }[] };
      const c = tcp.connections.find((x) => x.remote === `${formatIpv4(ipv4(pair.address))}:${port}`);
      expect(c).toBeDefined();
      expect(c!.local).toBe(`${formatIpv4(flow.local.address)}:${flow.local.port}`);
      expect(c!.state).toBe('ESTABLISHED');
      const udp = snap['udp'] as { sockets: { port: number }[] };
      expect(udp.sockets.map((s) => s.port)).toContain(u.port);
      expect(JSON.parse(JSON.stringify(pair.client.config))).toEqual(pair.client.config);
      flow.abort();
      u.close();
    });
  });

  it('close() ends everything, is idempotent, and the stack refuses work afterwards', async () => {
    const pair = await makePair();
    try {
      let peer: Flow | undefined;
      const { port } = await serve(pair, (flow) => (peer = flow));
      const flow = await dial(pair, port);
      await pair.until(() => peer !== undefined);
      const pendingRead: Promise<ReadResult> = flow.read();
      const first = pair.client.close();
      const second = pair.client.close();
      await pair.settle(Promise.all([first, second]));
      const r = await pair.settle(pendingRead);
      expect(r.error).toBeDefined();
      expect(await misuseCode(() => pair.client.tcp!.listen(port, noopFlow))).toBe('ERR_CLOSED');
      expect(await misuseCode(() => pair.client.tcp!.connect(pair.address, port))).toBe('ERR_CLOSED');
      expect(await misuseCode(() => pair.client.udp.bind(0, () => {}))).toBe('ERR_CLOSED');
      expect(await misuseCode(() => pair.client.udp.send(pair.address, 9, text('x')))).toBe('ERR_CLOSED');
      await pair.settle(pair.client.close()); // again: resolves
    } finally {
      await pair.close();
    }
  });
}

function noopFlow(_flow: Flow): void {}

import { pipeline } from 'node:stream/promises';
import { PassThrough, Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { echo, iterate, toWebStreams } from '@stack/flow';
import { toDuplex } from '@stack/flow/node';
import { isStackError, type Flow } from '@stack/interfaces';
import { misuseCode, pattern, readAll } from '@stack/testkit/conformance';
import { freePort, sleep, stacksClosedAfterEach, until } from './socket-pair.test-helper.js';
import type { SocketStack } from './stack.js';
import type { SocketFlow } from './flow.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

const stack = stacksClosedAfterEach();

/** A listener on a free port handing flows to `onFlow`; resolves once the kernel listens. */
async function serve(s: SocketStack, onFlow: (flow: SocketFlow) => void): Promise<number> {
  const port = await freePort();
  await s.tcp.listen(port, onFlow).ready;
  return port;
}

/**
 * What the client reads from a connection the server resets at once: 'reset', either from its first read or,
 * when the RST beats the client's own view of the handshake (one event loop runs both ends), from connect itself.
 */
async function firstRead(s: SocketStack, port: number): Promise<unknown> {
  const c = await s.tcp.connect('127.0.0.1', port);
  return c.flow === undefined ? c : await c.flow.read();
}

async function dial(s: SocketStack, port: number): Promise<SocketFlow> {
  const c = await s.tcp.connect('127.0.0.1', port);
  if (c.error !== undefined) throw new Error(`connect: ${c.error}`);
  return c.flow;
}

describe('socket stack TCP', () => {
  it('works with every @stack/flow adapter: iterate, Web Streams, Node Duplex', async () => {
    const srv = stack();
    const cli = stack();
    const port = await serve(srv, (flow) => void echo(flow));

    // async iterator
    const a = await dial(cli, port);
    await a.write(text('iterate me'));
    await a.shutdown();
    const parts: string[] = [];
    for await (const chunk of iterate(a)) parts.push(str(chunk));
    expect(parts.join('')).toBe('iterate me');
    await a.close();

    // Web Streams
    const b = await dial(cli, port);
    const { readable, writable } = toWebStreams(b);
    const w = writable.getWriter();
    await w.write(text('web '));
    await w.write(text('streams'));
    await w.close();
    let web = '';
    for await (const chunk of readable) web += str(chunk);
    expect(web).toBe('web streams');

    // Node Duplex through pipeline, 1 MiB
    const c = await dial(cli, port);
    const duplex = toDuplex(c);
    const data = pattern(1024 * 1024, 5);
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on('data', (d: Buffer) => got.push(d));
    await Promise.all([pipeline(Readable.from([data.subarray(0, 500_000), data.subarray(500_000)]), duplex), pipeline(duplex, sink)]);
    expect(Buffer.compare(Buffer.concat(got), Buffer.from(data))).toBe(0);
  });

  it('reads ahead at most readBufferSize, then pauses the socket; reading resumes it without losing a byte', async () => {
    const srv = stack({ tcp: { readBufferSize: 16_384 } });
    const cli = stack();
    let peer: SocketFlow | undefined;
    const port = await serve(srv, (flow) => (peer = flow));
    const flow = await dial(cli, port);
    await until(() => peer !== undefined);
    const data = pattern(4 * 1024 * 1024, 9);
    const writing = flow.write(data).then(() => flow.shutdown());
    await until(() => srv.inspect().tcp.connections.some((c) => c.readPaused));
    const c = srv.inspect().tcp.connections[0]!;
    expect(c.readPaused).toBe(true);
    expect(c.readQueue).toBeGreaterThanOrEqual(16_384);
    expect(c.readQueue).toBeLessThan(16_384 + 65_536 + 1); // the bound, overshot by one chunk at most
    const got = await readAll(peer!);
    await writing;
    expect(Buffer.compare(Buffer.from(got), Buffer.from(data))).toBe(0);
    expect(srv.inspect().tcp.connections[0]!.bytesIn).toBe(data.length);
  });

  it('abort() on the server side: the client reads reset; counted as estabResets', async () => {
    const srv = stack();
    const cli = stack();
    const port = await serve(srv, (flow) => flow.abort());
    expect(await firstRead(cli, port)).toEqual({ error: 'reset' });
    await until(() => srv.inspect().tcp.stats.estabResets === 1);
    expect(cli.inspect().tcp.stats.errors['ECONNRESET']).toBe(1);
  });

  it('close() with unread bytes resets the connection (RFC 1122 §4.2.2.13)', async () => {
    const srv = stack();
    const cli = stack();
    let peer: SocketFlow | undefined;
    const port = await serve(srv, (flow) => (peer = flow));
    const flow = await dial(cli, port);
    expect(await flow.write(text('unread'))).toBeNull();
    await until(() => srv.inspect().tcp.connections[0]?.readQueue === 6);
    await peer!.close();
    expect(await flow.read()).toEqual({ error: 'reset' });
  });

  it('bytes that arrive after close() reset the connection, as the kernel does', async () => {
    const srv = stack();
    const cli = stack();
    let peer: SocketFlow | undefined;
    const port = await serve(srv, (flow) => (peer = flow));
    const flow = await dial(cli, port);
    await until(() => peer !== undefined);
    const closed = peer!.close();
    expect(await flow.read()).toEqual({ eof: true }); // its FIN
    await closed;
    // The server reads no more: what we send now is answered with a reset.
    let r = await flow.write(text('too late'));
    for (let i = 0; r === null && i < 100; i++) {
      await sleep(5);
      r = await flow.write(text('too late'));
    }
    expect(r).toBe('reset');
  });

  it('an onFlow that throws gets its flow reset and is counted', async () => {
    const srv = stack();
    const cli = stack();
    const port = await serve(srv, () => {
      throw new Error('boom');
    });
    expect(await firstRead(cli, port)).toEqual({ error: 'reset' });
    expect(srv.inspect().tcp.stats.handlerErrors).toBe(1);
  });

  it('maxConnections: connect throws ERR_LIMIT; connections over it are reset and counted', async () => {
    const srv = stack({ tcp: { maxConnections: 1 } });
    const cli = stack({ tcp: { maxConnections: 2 } });
    const port = await serve(srv, () => {});
    const first = await dial(cli, port);
    expect(await firstRead(cli, port)).toEqual({ error: 'reset' }); // the kernel completes it; the server resets it at once
    expect(srv.inspect().tcp.stats.dropped['connectionLimit']).toBe(1);
    expect(await misuseCode(async () => {
      const third = cli.tcp.connect('127.0.0.1', port);
      const fourth = cli.tcp.connect('127.0.0.1', port);
      await Promise.all([third, fourth]);
    })).toBe('ERR_LIMIT');
    first.abort();
  });

  it('a port another stack (or process) holds: listener.ready rejects with ERR_PORT_IN_USE', async () => {
    const a = stack();
    const b = stack();
    const port = await serve(a, () => {});
    const l = b.tcp.listen(port, () => {});
    const err = await l.ready.then(() => null, (e: unknown) => e);
    expect(isStackError(err, 'ERR_PORT_IN_USE')).toBe(true);
    expect(b.inspect().tcp.listeners).toEqual([]); // the failed listener is gone, and the port is free to try again in b
    expect(await misuseCode(() => a.tcp.listen(port, () => {}))).toBe('ERR_PORT_IN_USE'); // in the same stack: at once
  });

  it('a listener closed before the kernel bound it: ready resolves, nothing listens', async () => {
    const s = stack();
    const port = await freePort();
    const l = s.tcp.listen(port, () => {});
    const closed = l.close();
    await l.ready;
    await closed;
    const c = await stack().tcp.connect('127.0.0.1', port);
    expect(c).toEqual({ error: 'refused' });
  });

  it("connect timeout: a listener whose accept queue is full drops SYNs, the connect gives 'timeout'", async () => {
    // A listener in a worker whose event loop we block: nothing accepts, the kernel's accept queue (backlog 1) fills.
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const s = require('node:net').createServer();
       s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         parentPort.postMessage(s.address().port);
         Atomics.wait(workerData.gate, 0, 0, 30000);
         s.close();
         process.exit(0);
       });`,
      { eval: true, workerData: { gate } },
    );
    try {
      const port = await new Promise<number>((resolve) => worker.once('message', resolve));
      const cli = stack();
      const flows: Flow[] = [];
      let result: string | undefined;
      for (let i = 0; i < 10 && result === undefined; i++) {
        // 2 s, not less: a handshake the queue took completes at once in the kernel, but a stalled
        // event loop runs the expired timer before the connect event, and that one would count as dropped.
        const c = await cli.tcp.connect('127.0.0.1', port, { timeout: 2000 });
        if (c.flow) flows.push(c.flow);
        else result = c.error;
      }
      expect(result).toBe('timeout');
      expect(flows.length).toBeGreaterThan(0); // the ones the queue took
      expect(cli.inspect().tcp.stats.attemptFails).toBe(1);
      for (const f of flows) f.abort();
    } finally {
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await new Promise((resolve) => worker.once('exit', resolve));
    }
  });

  it('connect validates its options, and rejects a local port already in use', async () => {
    const s = stack();
    const port = await serve(s, () => {});
    expect(await misuseCode(() => s.tcp.connect('127.0.0.1', port, { timeout: 0 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await misuseCode(() => s.tcp.connect('127.0.0.1', port, { localPort: 70_000 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(await misuseCode(() => s.tcp.connect('127.0.0.1', port, { localPort: port }))).toBe('ERR_PORT_IN_USE');
    // A port another stack listens on: the kernel says so, the promise rejects.
    const other = stack();
    const theirs = await serve(other, () => {});
    expect(await misuseCode(() => s.tcp.connect('127.0.0.1', port, { localPort: theirs }))).toBe('ERR_PORT_IN_USE');
    // A chosen local port works.
    const local = await freePort();
    const f = await s.tcp.connect('127.0.0.1', port, { localPort: local });
    expect(f.flow?.local).toEqual({ address: 0x7f000001, port: local });
    f.flow?.abort();
  });

  it('a listen on an address the stack is not bound to is misuse', () => {
    const s = stack();
    expect(() => s.tcp.listen(7, () => {}, { address: 0x0a000001 })).toThrow(/bound to 127\.0\.0\.1/);
    expect(() => s.tcp.listen(7, () => {}, { backlog: -1 })).toThrow(/backlog/);
    expect(() => s.tcp.listen(7, 'x' as unknown as () => void)).toThrow(/onFlow/);
  });

  it('write needs bytes; empty writes resolve at once; shutdown and close are idempotent', async () => {
    const srv = stack();
    const cli = stack();
    let peer: SocketFlow | undefined;
    const port = await serve(srv, (flow) => (peer = flow));
    const flow = await dial(cli, port);
    expect(() => flow.write('text' as unknown as Uint8Array)).toThrow(/Uint8Array/);
    expect(await flow.write(new Uint8Array(0))).toBeNull();
    const s1 = flow.shutdown();
    expect(flow.shutdown()).toBe(s1);
    await s1;
    await until(() => peer !== undefined);
    expect(await peer!.read()).toEqual({ eof: true });
    const c1 = peer!.close();
    expect(peer!.close()).toBe(c1);
    await c1;
    expect(await flow.read()).toEqual({ eof: true });
    await flow.close();
    flow.abort(); // after close: nothing
  });

  it('inspect() shows listeners, connections with bytes both ways, and counters', async () => {
    const srv = stack({ name: 'inspected' });
    const cli = stack();
    const port = await serve(srv, (flow) => void echo(flow));
    const flow = await dial(cli, port);
    expect(await flow.write(pattern(1000))).toBeNull();
    await until(() => cli.inspect().tcp.connections[0]?.bytesIn === 1000);
    const snap = srv.inspect();
    expect(snap).toMatchObject({
      name: 'inspected',
      address: '127.0.0.1',
      bind: '127.0.0.1',
      closed: false,
      tcp: {
        listeners: [{ local: `127.0.0.1:${port}`, remote: '*', state: 'LISTEN', backlog: 511, accepted: 1 }],
        connections: [{ local: `127.0.0.1:${port}`, remote: `127.0.0.1:${flow.local.port}`, state: 'ESTABLISHED', bytesIn: 1000, bytesOut: 1000 }],
        stats: { passiveOpens: 1, activeOpens: 0 },
      },
      icmp: { supported: false },
    });
    expect(cli.inspect().tcp.stats).toMatchObject({ activeOpens: 1, passiveOpens: 0 });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    await flow.shutdown();
    expect(['FIN-WAIT-1', 'CLOSING', undefined]).toContain(cli.inspect().tcp.connections[0]?.state);
    // The echo answers with its FIN: both ways ended, the socket closes and leaves the list.
    await until(() => cli.inspect().tcp.connections.length === 0 && srv.inspect().tcp.connections.length === 0);
  });
});

describe('close after our FIN', () => {
  it('abort() and stack.close() end a connection we closed while the peer keeps its side open', async () => {
    const { connect } = await import('node:net');
    const s = stack();
    let flow: SocketFlow | undefined;
    const port = await serve(s, (f) => (flow = f));
    const peer = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let peerEnded = false;
    peer.on('end', () => (peerEnded = true));
    peer.on('error', () => {});
    await until(() => flow !== undefined);
    void flow!.close(); // our FIN; the peer never sends its own
    flow!.abort(); // at once, before the FIN is flushed: libuv cannot reset after a shutdown, the handle must still close
    await s.close(); // resolves: no socket left waiting
    expect(s.inspect().tcp.connections).toEqual([]);
    await until(() => peerEnded);
    peer.destroy();
  });
});

import { expect, it } from 'vitest';
import { pattern, readAll, writeAll, type StackPair } from '@stack/testkit/conformance';
import { serveEcho, type EchoServer } from '../src/server.js';
import { sha256 } from './hash.js';

/**
 * The echo server's behaviour, the same whichever stack it runs on
 * (`--net direct` or `--net socket`). Each test serves on a port of its own
 * from `pair.port()`, which must be free for UDP as well as TCP (the echo
 * server takes both).
 */
export function echoSuite(makePair: () => Promise<StackPair>): void {
  const withServer = async (fn: (pair: StackPair, server: EchoServer, port: number) => Promise<void>): Promise<void> => {
    const pair = await makePair();
    const port = await pair.port();
    const server = serveEcho(pair.server, port);
    try {
      await fn(pair, server, port);
    } finally {
      await pair.settle(server.close(100));
      await pair.close();
    }
  };

  it('echoes a line and closes after the client half-closes', async () => {
    await withServer(async (pair, server, port) => {
      const c = await pair.settle(pair.client.tcp!.connect(pair.address, port));
      expect(c.error).toBeUndefined();
      const flow = c.flow!;
      const text = new TextEncoder().encode('hello, echo\n');
      const got = await pair.settle(Promise.all([writeAll(flow, text), readAll(flow, text.length)]).then(([, b]) => b));
      expect(new TextDecoder().decode(got)).toBe('hello, echo\n');
      await pair.settle(flow.close());
      expect(server.counters.accepted).toBe(1);
    });
  });

  it('echoes 4 MiB intact (SHA-256) with backpressure both ways', async () => {
    await withServer(async (pair, _server, port) => {
      const data = pattern(4 * 1024 * 1024);
      const c = await pair.settle(pair.client.tcp!.connect(pair.address, port));
      const flow = c.flow!;
      const got = await pair.settle(Promise.all([writeAll(flow, data), readAll(flow, data.length)]).then(([, b]) => b));
      expect(got.length).toBe(data.length);
      expect(sha256(got)).toBe(sha256(data));
      await pair.settle(flow.close());
    });
  });

  it('serves 40 connections at once, each its own bytes', async () => {
    await withServer(async (pair, server, port) => {
      const one = async (i: number): Promise<string> => {
        const c = await pair.client.tcp!.connect(pair.address, port);
        if (c.flow === undefined) throw new Error(`connect ${i}: ${c.error}`);
        const msg = new TextEncoder().encode(`connection ${i} `.repeat(50));
        const [, got] = await Promise.all([writeAll(c.flow, msg), readAll(c.flow, msg.length)]);
        await c.flow.close();
        return new TextDecoder().decode(got);
      };
      const got = await pair.settle(Promise.all(Array.from({ length: 40 }, (_, i) => one(i))));
      for (let i = 0; i < 40; i++) expect(got[i]).toBe(`connection ${i} `.repeat(50));
      expect(server.counters.accepted).toBe(40);
    });
  });

  it('echoes UDP datagrams to their sender', async () => {
    await withServer(async (pair, server, port) => {
      const replies: string[] = [];
      const sock = pair.client.udp.bind(0, (d) => replies.push(new TextDecoder().decode(d.data)));
      for (const m of ['one', 'two', 'three']) expect(sock.send(pair.server.address, port, new TextEncoder().encode(m))).toBeNull();
      await pair.until(() => replies.length === 3);
      expect(replies.sort()).toEqual(['one', 'three', 'two']);
      expect(server.counters.udpEchoed).toBe(3);
      sock.close();
    });
  });

  it('close() ends open connections: the client sees EOF', async () => {
    const pair = await makePair();
    const port = await pair.port();
    const server = serveEcho(pair.server, port);
    try {
      const c = await pair.settle(pair.client.tcp!.connect(pair.address, port));
      const flow = c.flow!;
      expect(await pair.settle(flow.write(new Uint8Array([1, 2, 3])))).toBeNull();
      const first = await pair.settle(flow.read());
      expect(first.data).toEqual(new Uint8Array([1, 2, 3]));
      await pair.until(() => server.counters.open === 1);
      const closed = server.close(5_000);
      const r = await pair.settle(flow.read());
      expect(r.eof).toBe(true);
      await pair.settle(flow.close());
      await pair.settle(closed);
      expect(server.counters.open).toBe(0);
    } finally {
      await pair.settle(server.close());
      await pair.close();
    }
  });
}

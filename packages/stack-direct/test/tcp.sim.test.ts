// TCP through whole direct stacks in virtual time: connect, echo, close,
// refused and timed-out connects, and bulk transfers under faults.
import { describe, expect, it } from 'vitest';
import type { Flow } from '@stack/interfaces';
import type { DirectStack } from '@stack/stack-direct';
import { echo as echoFlow, iterate, toWebStreams } from '@stack/flow';
import { toDuplex } from '@stack/flow/node';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { bridgeNet, pattern, sha256 } from './helpers.js';

/** Reads until EOF (or an error, which fails the test) and returns everything. */
async function readAll(flow: Flow): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const r = await flow.read();
    if (r.data) {
      chunks.push(r.data);
      total += r.data.length;
    } else if (r.eof) break;
    else throw new Error(`read failed: ${r.error}`);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** RFC 862 echo: everything read goes back; at EOF, shut down. */
function echo(flow: Flow): void {
  void (async () => {
    for (;;) {
      const r = await flow.read();
      if (r.data) {
        if ((await flow.write(r.data)) !== null) return;
      } else break;
    }
    await flow.close();
  })();
}

describe('TCP between two direct stacks', () => {
  it('connects, echoes, and both ends close cleanly with no timers left', async () => {
    const t = bridgeNet(101, 2);
    const [client, server] = t.stacks as [DirectStack, DirectStack];
    server.tcp.listen(7, echo);
    const run = async () => {
      const r = await client.tcp.connect(server.address, 7);
      if (!r.flow) throw new Error(r.error);
      const data = pattern(200_000, 1);
      const reading = readAll(r.flow);
      expect(await r.flow.write(data)).toBeNull();
      await r.flow.shutdown();
      const back = await reading;
      await r.flow.close();
      return { sent: sha256(data), got: sha256(back), len: back.length };
    };
    const res = await t.net.scheduler.runUntilSettled(run());
    expect(res.len).toBe(200_000);
    expect(res.got).toBe(res.sent);
    const conns = client.inspect().tcp.connections;
    expect(conns.length).toBe(1);
    t.net.scheduler.runFor(61_000); // TIME-WAIT
    expect(client.inspect().tcp.connections).toEqual([]);
    expect(server.inspect().tcp.connections.map((c) => c.state)).toEqual(['LISTEN']);
    expect(await t.close()).toBe(0);
  });

  it('a connect to a port nobody listens on is refused', async () => {
    const t = bridgeNet(102, 2);
    const [client, server] = t.stacks as [DirectStack, DirectStack];
    const r = await t.net.scheduler.runUntilSettled(client.tcp.connect(server.address, 81));
    expect(r).toEqual({ error: 'refused' });
    expect(server.inspect().tcp.stats.outRsts).toBe(1);
    expect(await t.close()).toBe(0);
  });

  it('a connect to nobody times out', async () => {
    const t = bridgeNet(103, 2);
    const [client] = t.stacks as [DirectStack, DirectStack];
    const r = await t.net.scheduler.runUntilSettled(client.tcp.connect('10.0.0.99', 80, { timeout: 5000 }));
    expect(r).toEqual({ error: 'timeout' });
    expect(client.inspect().tcp.connections).toEqual([]);
    expect(await t.close()).toBe(0);
  });
});

describe('TCP flows through the @stack/flow adapters', () => {
  it('a Node Duplex over a TCP flow works with stream.pipeline; iterate() reads the echo back', async () => {
    const t = bridgeNet(104, 2);
    const [client, server] = t.stacks as [DirectStack, DirectStack];
    server.tcp.listen(7, (flow) => void echoFlow(flow));
    const data = pattern(300_000, 9);
    const run = async () => {
      const r = await client.tcp.connect(server.address, 7);
      if (!r.flow) throw new Error(r.error);
      const duplex = toDuplex(r.flow);
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      });
      // Source → TCP (echoed) → sink; pipeline ends the write side at the end of the source (our FIN).
      await Promise.all([pipeline(Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), duplex), pipeline(duplex, sink)]);
      return Buffer.concat(chunks);
    };
    // Node streams defer work with process.nextTick: let the host loop turn between virtual steps.
    const back = await t.net.scheduler.runUntilSettled(run(), Infinity, { hostYield: () => new Promise((r) => setImmediate(r)) });
    expect(sha256(back)).toBe(sha256(data));
    t.net.scheduler.runFor(61_000);
    expect(client.inspect().tcp.connections).toEqual([]);
    expect(await t.close()).toBe(0);
  });

  it('Web Streams over a TCP flow: pipeTo in, reader out', async () => {
    const t = bridgeNet(105, 2);
    const [client, server] = t.stacks as [DirectStack, DirectStack];
    server.tcp.listen(7, (flow) => void echoFlow(flow));
    const run = async () => {
      const r = await client.tcp.connect(server.address, 7);
      if (!r.flow) throw new Error(r.error);
      const { readable, writable } = toWebStreams(r.flow);
      const lines = ['one\n', 'two\n', 'three\n'].map((s) => new TextEncoder().encode(s));
      const writing = new ReadableStream<Uint8Array>({
        start(c) {
          for (const l of lines) c.enqueue(l);
          c.close();
        },
      }).pipeTo(writable);
      let text = '';
      for await (const chunk of iterate(r.flow)) text += new TextDecoder().decode(chunk);
      await writing;
      void readable.cancel();
      return text;
    };
    await expect(t.net.scheduler.runUntilSettled(run())).resolves.toBe('one\ntwo\nthree\n');
    expect(await t.close()).toBe(0);
  });
});

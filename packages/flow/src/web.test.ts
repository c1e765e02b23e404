import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toWebStreams } from './web.js';
import { memoryFlowPair } from './memory.js';
import { pipeFlows } from './pump.js';
import { isFlowStreamError } from './errors.js';
import { MiB, concat, cut, drain, pattern, sameBytes, settle, spy, transferPlan, writeAll } from '../test/helpers.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

async function readAll(readable: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(chunks);
    chunks.push(value);
  }
}

async function writeChunks(writable: WritableStream<Uint8Array>, chunks: readonly Uint8Array[]): Promise<void> {
  const writer = writable.getWriter();
  for (const c of chunks) {
    await writer.ready;
    void writer.write(c);
  }
  await writer.close();
}

describe('toWebStreams', () => {
  it('carries 1 MiB each way at once, in random chunk sizes, then closes the flow', async () => {
    await fc.assert(
      fc.asyncProperty(transferPlan, async ({ sizes, bufferSize, seed }) => {
        const [raw, b] = memoryFlowPair({ bufferSize });
        const { flow: a, calls } = spy(raw);
        const { readable, writable, closed } = toWebStreams(a);
        const out = pattern(MiB, seed);
        const back = pattern(MiB, seed + 1);
        const [, got, , peerGot] = await Promise.all([
          writeChunks(writable, cut(out, sizes)),
          readAll(readable),
          writeAll(b, cut(back, [...sizes].reverse())),
          drain(b),
        ]);
        expect(sameBytes(got, back)).toBe('same');
        expect(sameBytes(peerGot.data, out)).toBe('same');
        expect(peerGot.end).toEqual({ eof: true });
        await closed;
        expect(calls).toMatchObject({ shutdown: 1, close: 1, abort: 0 });
      }),
      { numRuns: 3 },
    );
  });

  it('pipeTo between the streams of two flows makes a proxy', async () => {
    const [client, p1] = memoryFlowPair({ bufferSize: 1000 });
    const [p2, server] = memoryFlowPair({ bufferSize: 700 });
    const s1 = toWebStreams(p1);
    const s2 = toWebStreams(p2);
    const piped = Promise.all([s1.readable.pipeTo(s2.writable), s2.readable.pipeTo(s1.writable)]);
    const request = pattern(100_000, 1);
    const response = pattern(30_000, 2);
    const [, serverGot, , clientGot] = await Promise.all([
      writeAll(client, cut(request, [777])),
      drain(server),
      writeAll(server, cut(response, [123])),
      drain(client),
      piped,
    ]);
    expect(sameBytes(serverGot.data, request)).toBe('same');
    expect(sameBytes(clientGot.data, response)).toBe('same');
    await Promise.all([s1.closed, s2.closed]);
  });

  it('reads nothing ahead by default: one flow.read() per reader.read()', async () => {
    const [a, raw] = memoryFlowPair({ bufferSize: 100 });
    const { flow: b, calls } = spy(raw);
    const { readable } = toWebStreams(b);
    let accepted = 0;
    void (async () => {
      for (let i = 0; i < 10; i++) {
        await a.write(pattern(50, i));
        accepted += 50;
      }
    })();
    await settle();
    expect(calls.read).toBe(0);
    const reader = readable.getReader();
    const first = await reader.read();
    await settle();
    expect(calls.read).toBe(1);
    expect(raw.unread).toBe(100);
    expect(accepted).toBeLessThanOrEqual(100 + first.value!.length);
  });

  it('readableHighWaterMark reads ahead up to that many bytes', async () => {
    const [a, raw] = memoryFlowPair({ maxReadSize: 10 });
    const { flow: b } = spy(raw);
    toWebStreams(b, { readableHighWaterMark: 25 });
    await a.write(pattern(100, 1));
    await settle();
    expect(raw.unread).toBe(70); // three reads of 10 took it to 30 >= 25
  });

  it('applies backpressure to the writer: at most buffer + highWaterMark ahead of a reader that reads nothing', async () => {
    const bufferSize = 4096;
    const hwm = 1024;
    const chunk = pattern(100, 1);
    const [a, b] = memoryFlowPair({ bufferSize });
    const { writable } = toWebStreams(a, { writableHighWaterMark: hwm });
    const writer = writable.getWriter();
    let offered = 0;
    const total = 700 * chunk.length;
    const producer = (async () => {
      while (offered < total) {
        await writer.ready;
        void writer.write(chunk);
        offered += chunk.length;
      }
      await writer.close();
    })();
    await settle(20);
    expect(b.unread).toBe(bufferSize);
    expect(offered).toBeGreaterThan(bufferSize);
    expect(offered).toBeLessThanOrEqual(bufferSize + hwm + chunk.length);
    await settle(20);
    expect(offered).toBeLessThanOrEqual(bufferSize + hwm + chunk.length);
    const { data, end } = await drain(b);
    await producer;
    expect(data.length).toBe(total);
    expect(end).toEqual({ eof: true });
  });

  it("writable.close() is a half close: the peer reads eof and may still send", async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const { readable, writable, closed } = toWebStreams(a);
    await writeChunks(writable, [bytes(1)]);
    expect(calls.shutdown).toBe(1);
    expect(await drain(b)).toEqual({ data: bytes(1), end: { eof: true } });
    expect(calls.close).toBe(0);
    await writeAll(b, [bytes(2), bytes(3)]);
    expect(await readAll(readable)).toEqual(bytes(2, 3));
    await closed;
    expect(calls.close).toBe(1);
  });

  it("the peer's FIN closes the readable; the writable goes on", async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const { readable, writable, closed } = toWebStreams(a);
    await b.shutdown();
    expect(await readAll(readable)).toEqual(new Uint8Array(0));
    expect(calls.close).toBe(0);
    await writeChunks(writable, [bytes(4)]);
    expect(await drain(b)).toEqual({ data: bytes(4), end: { eof: true } });
    await closed;
    expect(calls.close).toBe(1);
  });

  it('cancelling the readable does not close the flow until the writable is closed too', async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const { readable, writable, closed } = toWebStreams(a);
    const reader = readable.getReader();
    const pending = reader.read(); // a flow.read() is in progress when we cancel
    await settle();
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(calls).toMatchObject({ close: 0, abort: 0 });
    await b.write(bytes(1)); // arrives for nobody
    await writeChunks(writable, [bytes(9)]);
    await closed;
    expect(calls).toMatchObject({ close: 1, abort: 0 });
    expect(await b.read()).toEqual({ data: bytes(9) });
  });

  it('for await over the readable, with break, cancels only the reading half', async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const { readable, writable } = toWebStreams(a);
    await b.write(bytes(1));
    for await (const chunk of readable as unknown as AsyncIterable<Uint8Array>) {
      expect(chunk).toEqual(bytes(1));
      break;
    }
    expect(calls.close).toBe(0);
    await writeChunks(writable, [bytes(2)]);
    expect(calls.close).toBe(1);
  });

  it('writable.abort() aborts the flow: the peer reads a reset, the readable errors with ERR_FLOW_ABORTED', async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const { readable, writable, closed } = toWebStreams(a);
    const reader = readable.getReader();
    const pending = reader.read();
    await writable.abort(new Error('app gave up'));
    expect(calls.abort).toBe(1);
    await expect(pending).rejects.toSatisfy((e) => isFlowStreamError(e, 'ERR_FLOW_ABORTED'));
    expect(await b.read()).toEqual({ error: 'reset' });
    await closed;
    expect(calls.close).toBe(0);
  });

  it('a reset errors both streams with ERR_FLOW_RESET and rejects closed', async () => {
    const [a, b] = memoryFlowPair();
    const { readable, writable, closed } = toWebStreams(a);
    const reader = readable.getReader();
    const writer = writable.getWriter();
    const pending = reader.read();
    b.abort();
    const isReset = (e: unknown) => isFlowStreamError(e, 'ERR_FLOW_RESET');
    await expect(pending).rejects.toSatisfy(isReset);
    await expect(closed).rejects.toSatisfy(isReset);
    await expect(writer.write(bytes(1))).rejects.toSatisfy(isReset);
  });

  it('a failed write errors both streams with the flow code', async () => {
    const [a, b] = memoryFlowPair();
    const { readable, writable, closed } = toWebStreams(a);
    b.abort();
    const writer = writable.getWriter();
    const isReset = (e: unknown) => isFlowStreamError(e, 'ERR_FLOW_RESET');
    await expect(writer.write(bytes(1))).rejects.toSatisfy(isReset);
    await expect(readable.getReader().read()).rejects.toSatisfy(isReset);
    await expect(closed).rejects.toSatisfy(isReset);
  });

  it('refuses chunks that are not Uint8Array and bad options', async () => {
    const [a] = memoryFlowPair();
    const { writable } = toWebStreams(a);
    const writer = writable.getWriter();
    await expect(writer.write('text' as unknown as Uint8Array)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(() => toWebStreams(a, { readableHighWaterMark: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });

  it('works with pipeFlows-like proxies (web streams on one side, pipeFlows elsewhere)', async () => {
    const [c, p1] = memoryFlowPair();
    const [p2, s] = memoryFlowPair();
    const proxy = pipeFlows(p1, p2);
    const server = toWebStreams(s);
    const echoed = server.readable.pipeTo(server.writable);
    const data = pattern(20_000, 4);
    const [, got] = await Promise.all([writeAll(c, cut(data, [1000])), drain(c), echoed]);
    expect(sameBytes(got.data, data)).toBe('same');
    expect(await proxy).toEqual({ aToB: data.length, bToA: data.length, error: null });
    await server.closed;
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isStackError } from '@stack/interfaces';
import { toDuplex, FlowDuplex } from './node.js';
import { memoryFlowPair } from './memory.js';
import { echo } from './pump.js';
import { isFlowStreamError } from './errors.js';
import { MiB, concat, cut, drain, pattern, sameBytes, settle, spy, transferPlan, writeAll } from '../test/helpers.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

/** Everything the duplex's readable side gives, without destroying it at the end (it is half-open). */
async function readAll(d: FlowDuplex): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of d.iterator({ destroyOnReturn: false })) chunks.push(c as Uint8Array);
  return concat(chunks);
}

function closed(d: FlowDuplex): Promise<void> {
  return d.closed ? Promise.resolve() : new Promise((resolve) => d.once('close', () => resolve()));
}

describe('toDuplex', () => {
  it('is a Duplex, half-open by default, with the flow on it', () => {
    const [a] = memoryFlowPair();
    const d = toDuplex(a);
    expect(d).toBeInstanceOf(FlowDuplex);
    expect(d.allowHalfOpen).toBe(true);
    expect(d.flow).toBe(a);
    expect(toDuplex(a, { allowHalfOpen: false }).allowHalfOpen).toBe(false);
  });

  it('carries 1 MiB each way at once, in random chunk sizes, then closes the flow', async () => {
    await fc.assert(
      fc.asyncProperty(transferPlan, async ({ sizes, bufferSize, seed }) => {
        const [raw, b] = memoryFlowPair({ bufferSize });
        const { flow: a, calls } = spy(raw);
        const d = toDuplex(a);
        const out = pattern(MiB, seed);
        const back = pattern(MiB, seed + 1);
        const [, got, , peerGot] = await Promise.all([
          pipeline(Readable.from(cut(out, sizes)), d),
          readAll(d),
          writeAll(b, cut(back, [...sizes].reverse())),
          drain(b),
        ]);
        expect(sameBytes(got, back)).toBe('same');
        expect(sameBytes(peerGot.data, out)).toBe('same');
        expect(peerGot.end).toEqual({ eof: true });
        await closed(d); // both sides ended: autoDestroy closed the flow
        expect(calls).toMatchObject({ shutdown: 1, close: 1, abort: 0 });
      }),
      { numRuns: 3 },
    );
  });

  it('works in stream.pipeline: source → duplex → sink, with an RFC 862 echo at the far end', async () => {
    const [raw, b] = memoryFlowPair({ bufferSize: 3000 });
    const { flow: a, calls } = spy(raw);
    const d = toDuplex(a);
    const data = pattern(200_000, 5);
    const server = echo(b);
    const got: Uint8Array[] = [];
    await pipeline(Readable.from(cut(data, [1, 999, 4096, 70_000])), d, async (source: AsyncIterable<Uint8Array>) => {
      for await (const c of source) got.push(c);
    });
    expect(sameBytes(concat(got), data)).toBe('same');
    expect(await server).toEqual({ bytes: data.length, error: null });
    await closed(d);
    expect(calls.close).toBe(1);
  });

  it('applies backpressure to the writer: it gets at most buffer + highWaterMark ahead of a reader that reads nothing', async () => {
    const bufferSize = 4096;
    const hwm = 1024;
    const chunk = pattern(100, 1);
    const [a, b] = memoryFlowPair({ bufferSize });
    const d = toDuplex(a, { writableHighWaterMark: hwm });
    let offered = 0;
    const total = 700 * chunk.length;
    const producer = (async () => {
      while (offered < total) {
        const ok = d.write(chunk);
        offered += chunk.length;
        if (!ok) await once(d, 'drain');
      }
      d.end();
    })();
    await settle(20);
    expect(b.unread).toBe(bufferSize); // the flow's buffer is full...
    expect(offered).toBeGreaterThan(bufferSize);
    expect(offered).toBeLessThanOrEqual(bufferSize + hwm + chunk.length); // ...and the writer stopped soon after
    await settle(20);
    expect(offered).toBeLessThanOrEqual(bufferSize + hwm + chunk.length); // still, since nothing was read
    const { data, end } = await drain(b);
    await producer;
    expect(data.length).toBe(total);
    expect(end).toEqual({ eof: true });
  });

  it('applies backpressure to the peer: an unconsumed duplex stops reading the flow', async () => {
    const bufferSize = 4096;
    const hwm = 1024;
    const [a, b] = memoryFlowPair({ bufferSize, maxReadSize: 512 });
    const d = toDuplex(a, { readableHighWaterMark: hwm });
    let accepted = 0;
    const total = 64 * 1024;
    const writer = (async () => {
      for (let i = 0; i < total / 128; i++) {
        await b.write(pattern(128, i));
        accepted += 128;
      }
      await b.shutdown();
    })();
    d.on('readable', () => {}); // reading starts, nobody consumes
    await settle(20);
    expect(d.readableLength).toBeGreaterThanOrEqual(hwm);
    expect(d.readableLength).toBeLessThan(hwm + 512);
    expect(a.unread).toBe(bufferSize);
    expect(accepted).toBeLessThanOrEqual(bufferSize + d.readableLength + 128);
    d.removeAllListeners('readable');
    expect((await readAll(d)).length).toBe(total);
    await writer;
  });

  it('end() shuts the flow down; the peer may still send, and its FIN ends the duplex', async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const d = toDuplex(a);
    d.end(bytes(1, 2));
    await once(d, 'finish');
    expect(calls.shutdown).toBe(1);
    expect(await drain(b)).toEqual({ data: bytes(1, 2), end: { eof: true } });
    expect(d.destroyed).toBe(false);
    await writeAll(b, [bytes(3), bytes(4)]);
    expect(await readAll(d)).toEqual(bytes(3, 4));
    await closed(d);
    expect(calls.close).toBe(1);
  });

  it("the peer's FIN ends the readable side; writing goes on (allowHalfOpen)", async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const d = toDuplex(a);
    await writeAll(b, [bytes(7)]);
    expect(await readAll(d)).toEqual(bytes(7));
    expect(d.writable).toBe(true);
    d.write(bytes(8));
    d.end();
    expect(await drain(b)).toEqual({ data: bytes(8), end: { eof: true } });
    await closed(d);
    expect(calls).toMatchObject({ shutdown: 1, close: 1, abort: 0 });
  });

  it('allowHalfOpen false: the write side ends at the peer FIN', async () => {
    const [a, b] = memoryFlowPair();
    const d = toDuplex(a, { allowHalfOpen: false });
    await b.shutdown();
    d.resume();
    await once(d, 'end');
    expect(await b.read()).toEqual({ eof: true });
    await closed(d);
  });

  it("a reset becomes an 'error' with code ERR_FLOW_RESET, and the dead flow is not aborted again", async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const d = toDuplex(a);
    d.resume();
    b.abort();
    const [err] = (await once(d, 'error')) as [unknown];
    expect(isFlowStreamError(err, 'ERR_FLOW_RESET')).toBe(true);
    await closed(d);
    expect(calls.abort).toBe(0);
  });

  it("a failed write becomes an 'error' with the flow's code", async () => {
    const [a, b] = memoryFlowPair();
    const d = toDuplex(a);
    b.abort();
    const errors: unknown[] = [];
    d.on('error', (e) => errors.push(e));
    d.write(bytes(1), (e) => errors.push(e));
    await closed(d);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => isFlowStreamError(e, 'ERR_FLOW_RESET'))).toBe(true);
  });

  it('a rejected flow.write (misuse elsewhere) is an error too, and does not abort the flow', async () => {
    const [raw] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    await a.shutdown(); // someone shut the flow down under the stream
    const d = toDuplex(a);
    d.write(bytes(1));
    const [err] = (await once(d, 'error')) as [unknown];
    expect(isStackError(err, 'ERR_CLOSED')).toBe(true);
    expect(calls.abort).toBe(0);
  });

  it('destroy(err) aborts the flow: the peer reads a reset', async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const d = toDuplex(a);
    d.on('error', () => {});
    d.destroy(new Error('app gave up'));
    await closed(d);
    expect(calls.abort).toBe(1);
    expect(await b.read()).toEqual({ error: 'reset' });
  });

  it('destroy() without an error closes the flow gracefully: the peer reads eof', async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    const d = toDuplex(a);
    d.write(bytes(1));
    await settle();
    d.destroy();
    await closed(d);
    expect(calls).toMatchObject({ close: 1, abort: 0 });
    expect(await drain(b)).toEqual({ data: bytes(1), end: { eof: true } });
  });

  it('await using closes the flow gracefully (not an RST)', async () => {
    const [raw, b] = memoryFlowPair();
    const { flow: a, calls } = spy(raw);
    {
      await using d = toDuplex(a);
      d.write(bytes(5));
      await settle();
    }
    expect(calls).toMatchObject({ close: 1, abort: 0 });
    expect(await drain(b)).toEqual({ data: bytes(5), end: { eof: true } });
  });

  it('writes buffered while one waits go to the flow as one write (writev)', async () => {
    const [raw, b] = memoryFlowPair({ bufferSize: 2 });
    const { flow: a, calls } = spy(raw);
    const d = toDuplex(a);
    d.write(bytes(1, 2, 3)); // waits: only 2 fit
    d.write(bytes(4));
    d.write(bytes(5));
    d.end();
    const { data } = await drain(b);
    expect(data).toEqual(bytes(1, 2, 3, 4, 5));
    expect(calls.write).toBe(2);
  });

  it('takes strings, as Node streams do', async () => {
    const [a, b] = memoryFlowPair();
    const d = toDuplex(a);
    d.end('hi');
    expect(new TextDecoder().decode((await drain(b)).data)).toBe('hi');
  });

  it('pipes into a Writable sink at the sink’s pace', async () => {
    const [a, b] = memoryFlowPair({ bufferSize: 1000 });
    const d = toDuplex(a);
    const data = pattern(50_000, 3);
    const seen: Uint8Array[] = [];
    const sink = new Writable({
      highWaterMark: 100,
      write(chunk: Uint8Array, _enc, cb) {
        seen.push(chunk);
        setImmediate(cb);
      },
    });
    await Promise.all([writeAll(b, cut(data, [333])), pipeline(d, sink)]);
    expect(sameBytes(concat(seen), data)).toBe('same');
  });
});

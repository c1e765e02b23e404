import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError } from '@stack/interfaces';
import type { WriteResult } from '@stack/interfaces';
import { memoryFlowPair } from './memory.js';
import { MiB, concat, cut, drain, pattern, sameBytes, settle, transferPlan, writeAll } from '../test/helpers.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('memoryFlowPair', () => {
  it('carries bytes both ways and reads coalesce what was written', async () => {
    const [a, b] = memoryFlowPair();
    expect(await a.write(bytes(1, 2))).toBeNull();
    expect(await a.write(bytes(3))).toBeNull();
    expect(b.unread).toBe(3);
    expect(await b.read()).toEqual({ data: bytes(1, 2, 3) });
    expect(await b.write(bytes(9))).toBeNull();
    expect(await a.read()).toEqual({ data: bytes(9) });
  });

  it('gives the endpoints crosswise', () => {
    const e1 = { address: 0x0a000001, port: 40000 };
    const e2 = { address: 0x0a000002, port: 80 };
    const [a, b] = memoryFlowPair({ endpoints: [e1, e2] });
    expect([a.local, a.remote, b.local, b.remote]).toEqual([e1, e2, e2, e1]);
  });

  it('copies on write: the writer may reuse its bytes once the write resolved', async () => {
    const [a, b] = memoryFlowPair();
    const buf = bytes(1, 2, 3);
    await a.write(buf);
    buf.fill(0);
    expect(await b.read()).toEqual({ data: bytes(1, 2, 3) });
  });

  it('caps a read at maxReadSize', async () => {
    const [a, b] = memoryFlowPair({ maxReadSize: 2 });
    await a.write(bytes(1, 2, 3, 4, 5));
    expect(await b.read()).toEqual({ data: bytes(1, 2) });
    expect(await b.read()).toEqual({ data: bytes(3, 4) });
    expect(await b.read()).toEqual({ data: bytes(5) });
  });

  it('applies backpressure: a write resolves only once all its bytes fit', async () => {
    const [a, b] = memoryFlowPair({ bufferSize: 10 });
    let first: WriteResult | undefined;
    let second: WriteResult | undefined;
    void a.write(pattern(25, 1)).then((r) => (first = r));
    void a.write(pattern(4, 2)).then((r) => (second = r));
    await settle();
    expect(first).toBeUndefined();
    expect(b.unread).toBe(10);
    expect(a.unsent).toBe(19);
    expect((await b.read()).data?.length).toBe(10);
    await settle();
    expect(first).toBeUndefined(); // 5 of its bytes still wait
    expect(b.unread).toBe(10);
    expect((await b.read()).data?.length).toBe(10);
    await settle();
    expect(first).toBeNull();
    expect(second).toBeNull(); // its 4 bytes fit beside the last 5 of the first write
    expect(b.unread).toBe(9);
    expect(a.unsent).toBe(0);
  });

  it('resolves writes in order and lets a later write in only after earlier ones', async () => {
    const [a, b] = memoryFlowPair({ bufferSize: 4 });
    const done: string[] = [];
    void a.write(pattern(6, 1)).then(() => done.push('big'));
    void a.write(bytes(7)).then(() => done.push('small'));
    await settle();
    expect(done).toEqual([]);
    await b.read(); // frees 4: the rest of 'big' (2) and 'small' (1) fit
    await settle();
    expect(done).toEqual(['big', 'small']);
    expect(concat([(await b.read()).data!])).toEqual(concat([pattern(6, 1).subarray(4), bytes(7)]));
  });

  it('shutdown is a half close: the peer reads the bytes, then eof, and may still write', async () => {
    const [a, b] = memoryFlowPair();
    await a.write(bytes(1));
    await a.shutdown();
    expect(await b.read()).toEqual({ data: bytes(1) });
    expect(await b.read()).toEqual({ eof: true });
    expect(await b.read()).toEqual({ eof: true });
    expect(await b.write(bytes(2))).toBeNull();
    expect(await a.read()).toEqual({ data: bytes(2) });
    await expect(a.write(bytes(3))).rejects.toSatisfy((e) => isStackError(e, 'ERR_CLOSED'));
  });

  it('a pending read gets eof when the peer shuts down', async () => {
    const [a, b] = memoryFlowPair();
    const pending = b.read();
    await a.shutdown();
    expect(await pending).toEqual({ eof: true });
  });

  it('eof comes after the writes that were pending at shutdown', async () => {
    const [a, b] = memoryFlowPair({ bufferSize: 3 });
    const w = a.write(pattern(10, 3));
    await a.shutdown();
    const { data, end } = await drain(b);
    expect(await w).toBeNull();
    expect(sameBytes(data, pattern(10, 3))).toBe('same');
    expect(end).toEqual({ eof: true });
  });

  it('close after the bytes were read: the peer gets eof, and its later writes reset it', async () => {
    const [a, b] = memoryFlowPair();
    await b.write(bytes(1));
    expect(await a.read()).toEqual({ data: bytes(1) });
    await a.close();
    expect(await a.read()).toEqual({ error: 'closed' });
    await expect(a.write(bytes(1))).rejects.toSatisfy((e) => isStackError(e, 'ERR_CLOSED'));
    expect(await b.read()).toEqual({ eof: true });
    expect(await b.write(bytes(2))).toBe('reset');
    expect(await b.read()).toEqual({ error: 'reset' });
  });

  it('close with unread bytes resets the peer (RFC 1122 §4.2.2.13)', async () => {
    const [a, b] = memoryFlowPair();
    await b.write(bytes(1));
    const pending = b.read();
    await a.close();
    expect(await pending).toEqual({ error: 'reset' });
    expect(await b.write(bytes(2))).toBe('reset');
  });

  it("a pending read of the closing side gets 'closed'", async () => {
    const [a] = memoryFlowPair();
    const pending = a.read();
    await a.close();
    expect(await pending).toEqual({ error: 'closed' });
  });

  it("abort: the peer's pending and later reads and writes get 'reset', ours 'aborted'", async () => {
    const [a, b] = memoryFlowPair({ bufferSize: 2 });
    const peerRead = b.read();
    await a.write(bytes(1, 2)); // fills a → b, then b's read takes it
    expect(await peerRead).toEqual({ data: bytes(1, 2) });
    await a.write(bytes(3, 4));
    const ourWrite = a.write(bytes(5, 6, 7));
    const peerWrite = b.write(pattern(5, 9)); // b → a: waits for room
    const ourRead = a.read();
    a.abort();
    expect(await ourWrite).toBe('aborted');
    expect(await ourRead).toEqual({ data: bytes(...pattern(5, 9).subarray(0, 2)) }); // it was served before the abort
    expect(await peerWrite).toBe('reset');
    expect(await b.read()).toEqual({ error: 'reset' }); // buffered bytes 3, 4 were dropped
    expect(await b.write(bytes(1))).toBe('reset');
    expect(await a.read()).toEqual({ error: 'aborted' });
    await expect(a.write(bytes(1))).rejects.toSatisfy((e) => isStackError(e, 'ERR_CLOSED'));
    expect(b.unread).toBe(0);
  });

  it('abort after close does nothing', async () => {
    const [a, b] = memoryFlowPair();
    await a.close();
    a.abort();
    expect(await b.read()).toEqual({ eof: true });
  });

  it('Symbol.asyncDispose closes', async () => {
    const [a, b] = memoryFlowPair();
    {
      await using flow = a;
      await flow.write(bytes(1));
    }
    expect(await a.read()).toEqual({ error: 'closed' });
    expect(await b.read()).toEqual({ data: bytes(1) });
    expect(await b.read()).toEqual({ eof: true });
  });

  it('rejects bad options with ERR_INVALID_ARGUMENT', () => {
    for (const options of [{ bufferSize: 0 }, { bufferSize: 1.5 }, { maxReadSize: -1 }, { maxReadSize: Number.NaN }]) {
      expect(() => memoryFlowPair(options)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });

  it('property: any interleaving of writes and reads keeps the bytes and never buffers more than bufferSize', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 100 }),
        async (sizes, bufferSize, maxReadSize) => {
          const [a, b] = memoryFlowPair({ bufferSize, maxReadSize });
          const data = pattern(sizes.reduce((n, s) => n + s, 0), sizes.length);
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const s of sizes) {
            chunks.push(data.subarray(at, at + s));
            at += s;
          }
          const writer = writeAll(a, chunks);
          const got: Uint8Array[] = [];
          for (;;) {
            expect(b.unread).toBeLessThanOrEqual(bufferSize);
            const r = await b.read();
            if (r.data === undefined) {
              expect(r).toEqual({ eof: true });
              break;
            }
            expect(r.data.length).toBeLessThanOrEqual(maxReadSize);
            got.push(r.data);
          }
          expect(await writer).toBeNull();
          expect(sameBytes(concat(got), data)).toBe('same');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('carries 1 MiB in random chunk sizes', async () => {
    await fc.assert(
      fc.asyncProperty(transferPlan, async ({ sizes, bufferSize, seed }) => {
        const [a, b] = memoryFlowPair({ bufferSize });
        const data = pattern(MiB, seed);
        const [written, { data: got, end }] = await Promise.all([writeAll(a, cut(data, sizes)), drain(b)]);
        expect(written).toBeNull();
        expect(end).toEqual({ eof: true });
        expect(sameBytes(got, data)).toBe('same');
      }),
      { numRuns: 3 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { iterate } from './iterate.js';
import { memoryFlowPair } from './memory.js';
import { FlowStreamError, isFlowStreamError } from './errors.js';
import { MiB, concat, cut, pattern, sameBytes, settle, spy, transferPlan, writeAll } from '../test/helpers.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of it) chunks.push(c);
  return concat(chunks);
}

describe('iterate', () => {
  it('yields 1 MiB written in random chunk sizes, then ends at eof', async () => {
    await fc.assert(
      fc.asyncProperty(transferPlan, async ({ sizes, bufferSize, seed }) => {
        const [a, b] = memoryFlowPair({ bufferSize });
        const data = pattern(MiB, seed);
        const [written, got] = await Promise.all([writeAll(a, cut(data, sizes)), collect(iterate(b))]);
        expect(written).toBeNull();
        expect(sameBytes(got, data)).toBe('same');
      }),
      { numRuns: 3 },
    );
  });

  it('reads nothing ahead: one read per step, and a paused loop leaves the writer blocked', async () => {
    const [a, raw] = memoryFlowPair({ bufferSize: 100 });
    const { flow: b, calls } = spy(raw);
    let accepted = 0;
    const writer = (async () => {
      for (let i = 0; i < 10; i++) {
        await a.write(pattern(50, i));
        accepted += 50;
      }
      await a.shutdown();
    })();
    const it = iterate(b);
    const first = await it.next();
    expect(first.done).toBe(false);
    await settle();
    expect(calls.read).toBe(1);
    // The loop is paused: the buffer refilled and the writer waits.
    expect(raw.unread).toBe(100);
    expect(accepted).toBeLessThanOrEqual(100 + (first.value as Uint8Array).length);
    const rest = await collect(it);
    await writer;
    expect((first.value as Uint8Array).length + rest.length).toBe(500);
  });

  it('break leaves the flow open by default, and a new iterate goes on where the loop stopped', async () => {
    const [a, raw] = memoryFlowPair({ maxReadSize: 2 });
    const { flow: b, calls } = spy(raw);
    await a.write(bytes(1, 2, 3, 4, 5));
    await a.shutdown();
    for await (const chunk of iterate(b)) {
      expect(chunk).toEqual(bytes(1, 2));
      break;
    }
    expect(calls.close).toBe(0);
    expect(await b.write(bytes(9))).toBeNull(); // the write side still works
    expect(await a.read()).toEqual({ data: bytes(9) });
    expect(await collect(iterate(b))).toEqual(bytes(3, 4, 5));
  });

  it('closeOnBreak closes the flow when the loop stops early', async () => {
    const [a, raw] = memoryFlowPair();
    const { flow: b, calls } = spy(raw);
    await a.write(bytes(1));
    for await (const _ of iterate(b, { closeOnBreak: true })) break;
    expect(calls.close).toBe(1);
    expect(await a.read()).toEqual({ eof: true });
  });

  it('closeOnBreak closes when the loop body throws, and not after a normal end', async () => {
    const [a, raw] = memoryFlowPair();
    const { flow: b, calls } = spy(raw);
    await a.write(bytes(1));
    await expect(
      (async () => {
        for await (const _ of iterate(b, { closeOnBreak: true })) throw new Error('boom');
      })(),
    ).rejects.toThrow('boom');
    expect(calls.close).toBe(1);

    const [c, raw2] = memoryFlowPair();
    const d = spy(raw2);
    await c.shutdown();
    expect(await collect(iterate(d.flow, { closeOnBreak: true }))).toEqual(new Uint8Array(0));
    expect(d.calls.close).toBe(0);
  });

  it('throws ERR_FLOW_RESET when the peer aborts, after the bytes that came before', async () => {
    const [a, b] = memoryFlowPair();
    await a.write(bytes(1));
    const chunks: Uint8Array[] = [];
    const err = await (async () => {
      try {
        for await (const c of iterate(b)) {
          chunks.push(c);
          a.abort();
        }
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(chunks).toEqual([bytes(1)]);
    expect(err).toBeInstanceOf(FlowStreamError);
    expect(err).toMatchObject({ code: 'ERR_FLOW_RESET', reason: 'reset', name: 'FlowStreamError' });
  });

  it('throws ERR_FLOW_ABORTED after our own abort and ERR_FLOW_CLOSED after close', async () => {
    const [, b] = memoryFlowPair();
    b.abort();
    await expect(collect(iterate(b))).rejects.toSatisfy((e) => isFlowStreamError(e, 'ERR_FLOW_ABORTED'));
    const [, d] = memoryFlowPair();
    const pending = collect(iterate(d));
    await settle();
    await d.close();
    await expect(pending).rejects.toSatisfy((e) => isFlowStreamError(e, 'ERR_FLOW_CLOSED'));
  });

  it('passes on a rejection of read() as it is', async () => {
    const boom = new Error('broken flow');
    const [, b] = memoryFlowPair();
    const flow = { ...spy(b).flow, read: () => Promise.reject(boom) };
    await expect(collect(iterate(flow))).rejects.toBe(boom);
  });
});

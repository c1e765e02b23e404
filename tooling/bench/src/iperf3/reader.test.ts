import type { Flow, ReadResult } from '@stack/interfaces';
import { describe, expect, it } from 'vitest';
import { FlowReader } from './reader.js';

/** A flow that hands out the given read results in order. */
function scripted(results: ReadResult[]): Flow {
  const queue = [...results];
  return {
    read: () => Promise.resolve(queue.shift() ?? { eof: true }),
  } as unknown as Flow;
}

const data = (...b: number[]): ReadResult => ({ data: new Uint8Array(b) });

describe('FlowReader', () => {
  it('hands out exact lengths across chunk boundaries', async () => {
    const r = new FlowReader(scripted([data(1, 2), data(3), data(), data(4, 5, 6, 7)]));
    expect([...((await r.readExact(3)) as Uint8Array)]).toEqual([1, 2, 3]);
    expect([...((await r.readExact(1)) as Uint8Array)]).toEqual([4]);
    expect(r.buffered).toBe(3);
    expect(r.takeBuffered().map((c) => [...c])).toEqual([[5, 6, 7]]);
    expect(await r.readExact(1)).toEqual({ eof: true });
  });

  it('gives a view, not a copy, when one chunk holds the bytes', async () => {
    const chunk = new Uint8Array([9, 8, 7, 6]);
    const r = new FlowReader(scripted([{ data: chunk }]));
    const got = (await r.readExact(2)) as Uint8Array;
    expect(got.buffer).toBe(chunk.buffer);
  });

  it('reads states as signed bytes', async () => {
    const r = new FlowReader(scripted([data(0xff, 0xfe, 16)]));
    expect(await r.readState()).toBe(-1);
    expect(await r.readState()).toBe(-2);
    expect(await r.readState()).toBe(16);
  });

  it('reports how the flow ended, and keeps reporting it', async () => {
    const r = new FlowReader(scripted([data(1), { error: 'reset' }]));
    expect(await r.readExact(4)).toEqual({ error: 'reset' });
    expect(await r.readState()).toEqual({ error: 'reset' });
  });
});

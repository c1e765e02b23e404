// Shared by the tests beside the code (not a test file itself: the unit
// project collects src/**/*.test.ts only).
import fc from 'fast-check';
import type { Flow, ReadResult, WriteResult } from '@stack/interfaces';

export const MiB = 1 << 20;

/** Lets every pending promise chain and Node stream tick run (no clock involved). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** `n` pseudo-random bytes from `seed` (xorshift32). */
export function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** `data` cut into chunks of the given sizes, taken in turn (views, no copies). */
export function cut(data: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, data.length - at);
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Byte equality with a short message instead of a million-element diff. */
export function sameBytes(a: Uint8Array, b: Uint8Array): string {
  if (a.length !== b.length) return `length ${a.length} != ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `differ at ${i}`;
  return 'same';
}

/** A 1 MiB transfer plan: chunk sizes, a buffer size and a data seed. */
export const transferPlan = fc.record({
  sizes: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 40 }),
  bufferSize: fc.integer({ min: 512, max: 100_000 }),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
});

/** Call counts of a flow's methods, with the flow that counts them. */
export interface Spied {
  readonly flow: Flow;
  readonly calls: { read: number; write: number; shutdown: number; close: number; abort: number };
}

export function spy(inner: Flow): Spied {
  const calls = { read: 0, write: 0, shutdown: 0, close: 0, abort: 0 };
  const flow: Flow = {
    get local() {
      return inner.local;
    },
    get remote() {
      return inner.remote;
    },
    read(): Promise<ReadResult> {
      calls.read++;
      return inner.read();
    },
    write(data: Uint8Array): Promise<WriteResult> {
      calls.write++;
      return inner.write(data);
    },
    shutdown() {
      calls.shutdown++;
      return inner.shutdown();
    },
    close() {
      calls.close++;
      return inner.close();
    },
    abort() {
      calls.abort++;
      inner.abort();
    },
    [Symbol.asyncDispose]() {
      return flow.close();
    },
  };
  return { flow, calls };
}

/** Reads a flow to its end: the bytes, and how it ended. */
export async function drain(flow: Flow): Promise<{ data: Uint8Array; end: ReadResult }> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const r = await flow.read();
    if (r.data === undefined) return { data: concat(chunks), end: r };
    chunks.push(r.data);
  }
}

/** Writes every chunk, waiting for each; returns the first error or null. */
export async function writeAll(flow: Flow, chunks: readonly Uint8Array[], shutdown = true): Promise<WriteResult> {
  for (const c of chunks) {
    const r = await flow.write(c);
    if (r !== null) return r;
  }
  if (shutdown) await flow.shutdown();
  return null;
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { plain } from './fixtures.test-helper.js';
import { RecvQueue } from './recv-queue.js';
import { pattern } from './script.test-helper.js';

/** `n` bytes counting up from `from` (mod 256). */
const bytes = (n: number, from = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

/** Takes everything held, `max` bytes at a time, and joins it. */
function drain(q: RecvQueue, max = 65_536): number[] {
  const out: number[] = [];
  for (let v = q.take(max); v.length > 0; v = q.take(max)) out.push(...v);
  return out;
}

describe('RecvQueue', () => {
  it('allocates nothing until written, then what the write needs in 64-byte steps', () => {
    const q = new RecvQueue(65_536);
    expect(q.allocated).toBe(0);
    expect(q.take(100).length).toBe(0);
    expect(q.write(bytes(64))).toBe(64);
    expect(q.allocated).toBe(64);
    expect(q.write(bytes(1, 64))).toBe(1);
    // The first chunk is full and unread: its bytes move into one twice as large (the old one is let go).
    expect(q.allocated).toBe(128);
    expect(q.length).toBe(65);
    expect(q.free).toBe(65_536 - 65);
    const v = q.take(1000);
    expect([...v]).toEqual([...bytes(65)]);
    expect(v.buffer.byteLength).toBe(128); // a view of the chunk, not a copy
  });

  it('a reader taking 64 KiB or everything at a time gets views; other amounts across chunks get copies', () => {
    const q = new RecvQueue(1 << 20);
    let sent = 0;
    for (let i = 0; i < 200; i++) sent += q.write(bytes(1448, sent));
    expect(q.allocated).toBeLessThanOrEqual(sent + 65_536);
    let got = 0;
    // 64 KiB at a time: each is one whole chunk.
    for (let k = 0; k < 3; k++) {
      const v = q.take(65_536);
      expect(v.length).toBe(65_536);
      // A view of one chunk (the first allocated alone, the next cut from a 1 MiB slab), not a copy.
      expect(v.byteOffset % 65_536).toBe(0);
      expect(v.buffer.byteLength).toBe(k === 0 ? 65_536 : 1 << 20);
      expect([...v]).toEqual([...bytes(65_536, got)]);
      got += v.length;
    }
    // Smaller takes inside a chunk share its storage.
    const a = q.take(1000);
    const b = q.take(1000);
    expect(a.buffer).toBe(b.buffer);
    expect([...a, ...b]).toEqual([...bytes(2000, got)]);
    got += 2000;
    // 64 KiB from here crosses into the next chunk: all of it still, as a copy.
    const c = q.take(65_536);
    expect(c.length).toBe(65_536);
    expect(c.buffer).not.toBe(b.buffer);
    expect([...c]).toEqual([...bytes(65_536, got)]);
    got += c.length;
    expect(drain(q)).toEqual([...bytes(sent - got, got)]);
  });

  it('an idle queue keeps no slab: a slab is let go once cut up, its rest and a first chunk cut from it once drained', () => {
    /** The slab the queue cuts chunks from (private), if it holds one. */
    const slabOf = (q: RecvQueue): Uint8Array | null => (q as unknown as { slab: Uint8Array | null }).slab;
    // Drained inside a chunk cut from a slab.
    const q = new RecvQueue(4 << 20);
    let sent = 0;
    for (let i = 0; i < 200; i++) sent += q.write(bytes(1448, sent));
    expect(slabOf(q)?.length).toBe(1 << 20);
    const views: Uint8Array[] = [];
    for (let v = q.take(65_536); v.length > 0; v = q.take(65_536)) views.push(v);
    expect(views.reduce((n, v) => n + v.length, 0)).toBe(sent);
    expect(views.at(-1)!.buffer.byteLength).toBe(1 << 20); // the last view shows the slab: its chunk was cut from it
    expect(slabOf(q)).toBeNull();
    expect(q.allocated).toBe(0);
    // The reader's views keep their bytes, and the queue goes on.
    expect([...views.at(-1)!]).toEqual([...bytes(views.at(-1)!.length, sent - views.at(-1)!.length)]);
    expect(q.write(bytes(100, 7))).toBe(100);
    expect([...q.take(1000)]).toEqual([...bytes(100, 7)]);
    // Drained at the end of a chunk cut from a slab: nothing left either.
    const r = new RecvQueue(4 << 20);
    expect(r.write(bytes(2 * 65_536))).toBe(2 * 65_536);
    expect(slabOf(r)).not.toBeNull();
    expect(r.take(65_536).length).toBe(65_536);
    expect(r.take(65_536).length).toBe(65_536);
    expect(slabOf(r)).toBeNull();
    expect(r.allocated).toBe(0);
    // A slab cut up while bytes are held is let go at once (its chunks hold it while they are queued).
    const s = new RecvQueue(4 << 20);
    expect(s.write(bytes(17 * 65_536))).toBe(17 * 65_536); // the first chunk, then all 16 of one slab
    expect(slabOf(s)).toBeNull();
    expect(s.allocated).toBe(17 * 65_536);
    expect(s.write(bytes(1))).toBe(1); // the next chunk starts a new slab
    expect(slabOf(s)?.length).toBe(1 << 20);
    // Placed bytes ahead keep the slab: the queue is not idle until they are taken too.
    const t = new RecvQueue(4 << 20);
    t.write(bytes(3 * 65_536));
    t.writeAt(10, bytes(10));
    for (let v = t.take(65_536); v.length > 0; v = t.take(65_536));
    expect(slabOf(t)).not.toBeNull();
    t.write(bytes(10));
    t.commit(10);
    expect(t.take(65_536).length).toBe(20);
    expect(slabOf(t)).toBeNull();
    expect(t.allocated).toBe(0);
  });

  it('a reader that keeps up shares one chunk between small messages', () => {
    const q = new RecvQueue(65_536);
    q.write(bytes(100, 0));
    const a = q.take(65_536);
    q.write(bytes(20, 100));
    const b = q.take(65_536);
    expect(a.buffer).toBe(b.buffer);
    expect([...a, ...b]).toEqual([...bytes(120)]);
    expect(q.allocated).toBe(128);
  });

  it('never writes into a view it handed out', () => {
    const q = new RecvQueue(4096);
    q.write(bytes(100, 1));
    const view = q.take(60);
    const copy = view.slice();
    const rest = q.take(1000);
    const restCopy = rest.slice();
    // The chunk still has room past what was taken; later writes must not reuse what the views show.
    q.write(bytes(20, 200));
    q.writeAt(50, bytes(300, 7));
    q.write(bytes(2000, 90));
    q.commit(0);
    expect(view).toEqual(copy);
    expect(rest).toEqual(restCopy);
    expect(drain(q)).toEqual([...bytes(20, 200), ...bytes(2000, 90)]);
    expect(view).toEqual(copy);
  });

  it('a message that does not fit the rest of the last chunk starts a new one when everything was taken', () => {
    const q = new RecvQueue(65_536);
    q.write(bytes(100, 0));
    expect(q.take(1000).length).toBe(100);
    q.write(bytes(100, 100)); // 28 bytes of room left: the message goes whole into a new chunk
    const v = q.take(1000);
    expect([...v]).toEqual([...bytes(100, 100)]);
    expect(q.allocated).toBe(128);
    // Small messages that fit share the chunk.
    q.write(bytes(20, 1));
    expect(q.allocated).toBe(128);
    expect([...q.take(1000)]).toEqual([...bytes(20, 1)]);
  });

  it('writeAt places bytes past the tail, in chunks not yet allocated; commit holds them', () => {
    const q = new RecvQueue(300_000);
    q.write(bytes(10, 0));
    // A hole of 200 000 bytes, then 3000 bytes: chunks reach out to cover it.
    q.writeAt(200_000, bytes(3000, 33));
    expect(q.length).toBe(10);
    expect(q.allocated).toBeGreaterThanOrEqual(203_010);
    expect(q.allocated).toBeLessThanOrEqual(300_000);
    // Fill the hole in order, then commit what was placed.
    let k = 0;
    while (k < 200_000) k += q.write(bytes(Math.min(1448, 200_000 - k), 10 + k));
    expect(q.length).toBe(200_010);
    q.commit(3000);
    expect(q.length).toBe(203_010);
    expect(q.free).toBe(300_000 - 203_010);
    const got = drain(q, 65_536);
    expect(got.length).toBe(203_010);
    expect(got.slice(0, 200_010)).toEqual([...bytes(200_010, 0)]);
    expect(got.slice(200_010)).toEqual([...bytes(3000, 33)]);
  });

  it('take sizes: min(max, length), whatever the chunks', () => {
    const q = new RecvQueue(1 << 20);
    for (let i = 0; i < 200; i++) q.write(bytes(1448, i));
    let total = 0;
    let views = 0;
    for (let v = q.take(65_536); v.length > 0; v = q.take(65_536)) {
      expect(v.length).toBe(Math.min(65_536, 200 * 1448 - total));
      total += v.length;
      views++;
    }
    expect(total).toBe(200 * 1448);
    expect(views).toBe(5);
    q.write(bytes(5000));
    expect(q.take(7).length).toBe(7);
    expect(q.take(0).length).toBe(0);
    expect(q.length).toBe(4993);
  });

  it('write takes only what fits the capacity; storage never reaches past it from the head', () => {
    const q = new RecvQueue(1000);
    expect(q.write(bytes(1500))).toBe(1000);
    expect(q.free).toBe(0);
    expect(q.write(bytes(1))).toBe(0);
    expect(q.allocated).toBe(1000);
    expect(() => q.writeAt(1, bytes(1))).toThrow(RangeError);
  });

  it('a full queue that nobody read holds exactly its capacity', () => {
    const q = new RecvQueue(200_000);
    let n = 0;
    for (let k = q.write(bytes(1448)); k > 0; k = q.write(bytes(1448, n))) n += k;
    expect(n).toBe(200_000);
    expect(q.allocated).toBe(200_000);
  });

  it('moving the first chunk into a larger one keeps out-of-order bytes placed in it', () => {
    const q = new RecvQueue(100_000);
    q.write(bytes(10, 0));
    q.writeAt(10, bytes(20, 20)); // bytes 20..39, in the first chunk (64)
    q.writeAt(990, bytes(10, 0xa0)); // bytes 1000..1009: the first chunk moves into one of 1024
    expect(q.allocated).toBe(1024);
    expect(q.write(bytes(10, 10))).toBe(10); // the hole 10..19
    q.commit(20);
    expect(q.length).toBe(40);
    expect(drain(q)).toEqual([...bytes(40, 0)]);
  });

  it('holds at most capacity + one chunk under a steady stream and a reader behind', () => {
    const cap = 200_000;
    const q = new RecvQueue(cap);
    let max = 0;
    for (let i = 0; i < 2000; i++) {
      q.write(bytes(1000 + (i % 700), i));
      if (i % 3 === 0) q.take(30_000 + (i % 7) * 5000);
      max = Math.max(max, q.allocated);
    }
    expect(max).toBeLessThanOrEqual(cap + 65_536);
  });

  it('read copies across chunks; clear gives the storage back', () => {
    const q = new RecvQueue(10_000);
    q.write(bytes(64, 0));
    q.write(bytes(200, 64));
    q.writeAt(100, bytes(10));
    const into = new Uint8Array(150);
    expect(q.read(into)).toBe(150);
    expect([...into]).toEqual([...bytes(150, 0)]);
    expect(q.read(new Uint8Array(1000))).toBe(114);
    expect(q.allocated).toBeGreaterThan(0);
    q.clear();
    expect(q.allocated).toBe(0);
    expect(q.length).toBe(0);
    expect(q.free).toBe(10_000);
    expect(q.take(10).length).toBe(0);
    q.write(bytes(3));
    expect(q.allocated).toBe(64);
  });

  it('behaves as a byte array with out-of-order placement (property)', () => {
    type Op =
      | { kind: 'write'; n: number }
      | { kind: 'writeAt'; offset: number; n: number }
      | { kind: 'commit'; n: number }
      | { kind: 'take'; max: number }
      | { kind: 'read'; n: number };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), n: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 70_000 })) }),
      fc.record({ kind: fc.constant('writeAt' as const), offset: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 200_000 })), n: fc.integer({ min: 0, max: 3000 }) }),
      fc.record({ kind: fc.constant('commit' as const), n: fc.integer({ min: 0, max: 4000 }) }),
      fc.record({ kind: fc.constant('take' as const), max: fc.oneof(fc.constant(65_536), fc.integer({ min: 0, max: 70_000 })) }),
      fc.record({ kind: fc.constant('read' as const), n: fc.integer({ min: 0, max: 5000 }) }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 300_000 })), fc.array(op, { maxLength: 80 }), (cap, ops: Op[]) => {
        const q = new RecvQueue(cap);
        // The model: every byte position from the head (at `base` in `model`); `held` of them are in order, the rest placed ahead (or unknown: -1).
        const model: number[] = [];
        let base = 0;
        let held = 0;
        /** Checks that `got` is the next bytes of the model and moves the head past them. */
        const consume = (got: Uint8Array): void => {
          for (let i = 0; i < got.length; i++) if (got[i] !== model[base + i]) expect([...got]).toEqual(model.slice(base, base + got.length));
          base += got.length;
          held -= got.length;
        };
        let next = 1;
        const views: { view: Uint8Array; copy: Uint8Array }[] = [];
        const fresh = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => next++ & 0xff);
        const put = (at: number, src: Uint8Array): void => {
          while (model.length < base + at + src.length) model.push(-1);
          for (let i = 0; i < src.length; i++) model[base + at + i] = src[i]!;
        };
        for (const o of ops) {
          switch (o.kind) {
            case 'write': {
              const src = fresh(o.n);
              const n = q.write(src);
              expect(n).toBe(Math.min(o.n, cap - held));
              put(held, src.subarray(0, n));
              held += n;
              break;
            }
            case 'writeAt': {
              const n = Math.min(o.n, cap - held - o.offset);
              if (n <= 0) break;
              const src = fresh(n);
              q.writeAt(o.offset, src);
              put(held + o.offset, src);
              break;
            }
            case 'commit': {
              // Only bytes that were placed can be committed (as the receiver does).
              let n = 0;
              while (n < o.n && base + held + n < model.length && model[base + held + n]! >= 0) n++;
              q.commit(n);
              held += n;
              break;
            }
            case 'take': {
              const v = q.take(o.max);
              expect(v.length).toBe(Math.max(0, Math.min(o.max, held)));
              views.push({ view: v, copy: v.slice() });
              consume(v);
              break;
            }
            case 'read': {
              const into = new Uint8Array(o.n);
              const n = q.read(into);
              expect(n).toBe(Math.min(o.n, held));
              consume(into.subarray(0, n));
              break;
            }
          }
          expect(q.length).toBe(held);
          expect(q.free).toBe(cap - held);
          expect(q.allocated).toBeLessThanOrEqual(cap + 65_536);
          // Idle (nothing held, nothing placed ahead): no slab kept, nor a chunk cut from one.
          if (held === 0 && !model.slice(base).some((x) => x >= 0)) {
            expect((q as unknown as { slab: unknown }).slab).toBeNull();
            expect(q.allocated).toBeLessThanOrEqual(65_536);
          }
        }
        for (const { view, copy } of views) if (view.some((b, i) => b !== copy[i])) expect(view).toEqual(copy);
        expect(drain(q)).toEqual(model.slice(base, base + held));
      }),
      { numRuns: 300 },
    );
  });
});

describe('TcpConnection.take', () => {
  it('hands out received bytes without copying, opens the window as recv does, and never rewrites them', () => {
    const views: Uint8Array[] = [];
    const s = plain({ recvBufferSize: 4000 }).run([
      [20, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1001 win 3000'],
      [21, '<', 'P. 1001:2001(1000) ack 1 win 65535'],
      [21, '>', '. 1:1(0) ack 2001 win 2000'],
      // Taking the 2000 bytes (in as many views as the storage has chunks) frees ≥ min(buffer/2, MSS): an update.
      [30, 'call', (c) => {
        for (let v = c.take(65_536); v.length > 0; v = c.take(65_536)) views.push(v);
        expect(c.readable).toBe(0);
      }],
      [30, '>', '. 1:1(0) ack 2001 win 4000'],
      // Out of order, then the hole: placed and committed in storage that no view shows.
      [31, '<', 'P. 3001:4001(1000) ack 1 win 65535'],
      [31, '>', '. 1:1(0) ack 2001 <>'],
      [32, '<', 'P. 2001:3001(1000) ack 1 win 65535'],
      [32, '>', '. 1:1(0) ack 4001'],
    ]).done();
    const joined = (vs: Uint8Array[]): Uint8Array => {
      const out = new Uint8Array(vs.reduce((n, v) => n + v.length, 0));
      let at = 0;
      for (const v of vs) {
        out.set(v, at);
        at += v.length;
      }
      return out;
    };
    expect(joined(views)).toEqual(pattern(1, 2000));
    const c = s.conn!;
    expect(c.readable).toBe(2000);
    expect(c.take(0).length).toBe(0);
    const more: Uint8Array[] = [];
    for (let v = c.take(700); v.length > 0; v = c.take(700)) {
      expect(v.length).toBeLessThanOrEqual(700);
      more.push(v);
    }
    expect(joined(more)).toEqual(pattern(2001, 2000));
  });
});

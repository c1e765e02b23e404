// 10 000 concurrent TCP echo connections between two direct stacks in one
// simulation (one cable, default config): every one
// connects, writes 64 bytes, reads them back and closes; all 10 000 are
// open at once. Then nothing is left: no connection in either layer after
// TIME-WAIT, no timer after close, and the JS heap back where it started.
//
// Memory is measured with a real GC: `global.gc` when node runs with
// --expose-gc, else the node:v8 `setFlagsFromString('--expose-gc')` +
// `runInNewContext('gc')` trick (vitest gives no per-file execArgv).
// heapUsed after a full GC is taken (1) after a warm-up connection, (2)
// with all 10 000 connections established and (3) after close + TIME-WAIT
// + the stacks' close; (3) must be within 5 MiB of (1) while (2) shows the
// connections really cost memory (so the measurement can see a leak).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import type { TcpFlow } from '@stack/tcp';
import { conns, tcpPair } from './tcp-harness.js';

const N = 10_000;
const SIZE = 64;
const SEED = 10_000;

function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function heapAfterGc(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** RFC 862 echo until EOF, then close. */
function echo(flow: TcpFlow, failures: string[]): void {
  void (async () => {
    for (;;) {
      const r = await flow.read();
      if (r.data !== undefined) {
        const err = await flow.write(r.data);
        if (err !== null) {
          failures.push(`server write to ${flow.remote.port}: ${err}`);
          return;
        }
      } else {
        if (r.eof !== true) failures.push(`server read from ${flow.remote.port}: ${r.error}`);
        break;
      }
    }
    await flow.close();
  })();
}

/** 8 bytes naming connection i, then a pattern: every echo is distinct. */
function message(i: number): Uint8Array {
  const m = new Uint8Array(SIZE);
  new DataView(m.buffer).setUint32(0, i);
  new DataView(m.buffer).setUint32(4, ~i);
  for (let k = 8; k < SIZE; k++) m[k] = (i * 31 + k * 7) & 0xff;
  return m;
}

it(`${N} concurrent echo connections complete and leave nothing behind (seed ${SEED})`, async () => {
  const where = `seed ${SEED}`;
  const gc = getGc();
  // The default config: 10 000 SYNs at once overflow the SYN queue (synBacklog 1024), and
  // SYN cookies ('auto') answer the rest (before cookies, 2 832 of them timed out).
  const p = tcpPair({ seed: SEED });
  const sched = p.net.scheduler;
  const failures: string[] = [];
  const listener = p.server.tcp.listen(7, (flow) => echo(flow, failures));

  let echoed = 0;
  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));

  /** One client: connect, write, read SIZE bytes back, (wait for `hold`,) close. Resolves with what came back. */
  const client = async (i: number, hold?: Promise<void>): Promise<Uint8Array> => {
    const r = await p.client.tcp.connect(p.server.address, 7);
    if (r.flow === undefined) throw new Error(`${where}: connect ${i}: ${r.error}`);
    const flow = r.flow;
    const err = await flow.write(message(i));
    if (err !== null) throw new Error(`${where}: write ${i}: ${err}`);
    const back = new Uint8Array(SIZE);
    let got = 0;
    while (got < SIZE) {
      const rr = await flow.read();
      if (rr.data === undefined) throw new Error(`${where}: read ${i}: ${rr.error ?? 'EOF'} after ${got} bytes`);
      back.set(rr.data, got);
      got += rr.data.length;
    }
    if (hold !== undefined) {
      echoed++;
      await hold;
    }
    await flow.close();
    return back;
  };

  // Warm-up: ARP resolved, code paths compiled, lazy structures built.
  const warm = await sched.runUntilSettled(client(-1));
  expect(warm, where).toEqual(message(-1));
  sched.runFor(61_000);
  expect(conns(p.client), where).toEqual([]);
  const before = heapAfterGc(gc);

  // All N at once; each holds its close until all have their echo, so all N are open together.
  const all = Array.from({ length: N }, (_, i) => client(i, hold));
  // Wait until every client has its echo (they are all open, waiting on `hold`).
  await sched.runUntilSettled(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (echoed === N || failures.length > 0) resolve();
        else sched.at(sched.now() + 10, check);
      };
      check();
    }),
    sched.now() + 600_000,
    { maxSteps: 50_000_000 },
  );
  expect(failures, where).toEqual([]);
  const open = conns(p.client).length;
  const peak = heapAfterGc(gc);
  release(); // only now may the clients close: the peak is taken with all N open
  const results = await sched.runUntilSettled(Promise.all(all), sched.now() + 600_000, { maxSteps: 50_000_000 });

  expect(open, `${where}: client connections open at once`).toBe(N);
  const wrong = results.map((b, i) => (b.length === SIZE && b.every((x, k) => x === message(i)[k]) ? -1 : i)).filter((i) => i >= 0);
  expect(wrong, `${where}: connections whose echo differs`).toEqual([]);
  const stats = { client: p.client.inspect().tcp.stats, server: p.server.inspect().tcp.stats };
  expect(stats.client.activeOpens, where).toBe(N + 1);
  expect(stats.server.passiveOpens, where).toBe(N + 1);
  expect([stats.client.attemptFails, stats.client.estabResets, stats.server.estabResets], `${where}: failed connects, resets`).toEqual([0, 0, 0]);

  // Let the servers' closes finish, then TIME-WAIT (on the client: it closed first) runs out.
  await sched.runUntilSettled(new Promise<void>((resolve) => sched.at(sched.now() + 61_000, resolve)), undefined, { maxSteps: 50_000_000 });
  expect(conns(p.client), `${where}: client connections after TIME-WAIT`).toEqual([]);
  expect(conns(p.server), `${where}: server connections after TIME-WAIT`).toEqual([]);
  expect([p.client.layers.tcp.connectionCount, p.server.layers.tcp.connectionCount], `${where}: connectionCount`).toEqual([0, 0]);
  await listener.close();
  expect(p.server.inspect().tcp.connections, where).toEqual([]);
  expect(await p.close(), `${where}: timers pending after close`).toBe(0);

  // Drop our own references to what the run made, then measure.
  all.length = 0;
  results.length = 0;
  const after = heapAfterGc(gc);
  const mib = (x: number) => `${(x / 1048576).toFixed(1)} MiB`;
  const detail = `${where}: heapUsed after GC: before ${mib(before)}, ${N} open ${mib(peak)}, after close ${mib(after)}`;
  expect(peak - before, `${detail} (the connections must show: ≥ 1 KiB each)`).toBeGreaterThan(N * 1024);
  expect(after - before, detail).toBeLessThan(5 * 1048576);
}, 300_000);

// The TCP transfer matrix (issue 3): bulk transfers between two direct
// stacks over a simulated cable with netif faults, in virtual time, from
// seeds. Cells = condition (loss 0/1/5/15/30 %, reordering, duplication,
// corruption, MTU 576/9000, 8 KiB and 1 MiB buffers, and loss on top of
// those) × mode (client→server, server→client, half close). Every cell has
// one full 10 MiB run; its other seeds move 0 B..1 MiB (sizes drawn from the
// seed). Every run checks: SHA-256 received = sent on each direction, no
// read/write/close error, the closing states (one end in TIME-WAIT, the other
// gone), nothing left after TIME-WAIT, 0 timers after close, MSS and buffers
// as configured, no IP fragmentation and no segment IP refused.
//
// Seeds: CI runs PER_CELL (16) per cell: 16 × 3 × 16 = 768 runs. SOAK_SEEDS=N
// runs about N seeds in all, spread evenly over the cells, and SOAK_FROM=K
// skips the first K small-size seeds of each cell, for fresh ones
// (tooling/scripts/tcp-soak.sh). A failing run names its seed and cell; run
// just that one with the same SOAK_* and
//   TCP_SEED=<seed> npx vitest run --project sim packages/stack-direct/test/tcp-matrix.sim.test.ts
import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '@stack/netif';
import { SeededRandom } from '@stack/sim';
import type { TcpLayerConfig } from '@stack/tcp';
import { conns, tcpPair, transfer, type Mode, type PairOptions } from './tcp-harness.js';

const FULL = 10 * 1024 * 1024;
const PER_CELL = 16;
const TIME_WAIT = 60_000;

interface Condition {
  readonly name: string;
  readonly faults?: FaultSpec;
  readonly mtu?: number;
  readonly tcp?: TcpLayerConfig;
  readonly staticArp?: boolean;
}

// Every condition runs over a 1 ms (one-way) cable, unlimited rate. Faults sit
// at the client's end, direction 'both': each frame meets them once.
const CONDITIONS: readonly Condition[] = [
  { name: 'clean, MTU 1500' },
  { name: 'loss 1%', faults: { loss: 0.01 } },
  { name: 'loss 5%', faults: { loss: 0.05 } },
  { name: 'loss 15%', faults: { loss: 0.15 } },
  // 30 % both ways needs more retries than the defaults (a finding, not a
  // bug: Linux gives up the same way). synRetries 6: ~2 % of the runs where
  // the client only reads (s2c) lose the handshake's last ACK and the ACK of
  // every SYN-ACK retry; the server drops the half-open connection while the
  // idle client stays ESTABLISHED for ever (seeds 5200053, 5200070 of a
  // probe). retries 15: ~0.5 % of the runs see 15 RTOs in a row without
  // progress and the sender ends with 'timeout' (soak: c2s seed 5100440,
  // half seed 5300405). With 20 and 30, 10 000-seed soaks pass.
  { name: 'loss 30%', faults: { loss: 0.3 }, tcp: { synRetries: 20, retries: 30 } },
  { name: 'reorder 5%', faults: { reorder: { probability: 0.05, delay: 0.5 } } },
  { name: 'duplicate 5%', faults: { duplicate: 0.05 } },
  // Static ARP: ARP has no checksum, so a flipped bit in an ARP reply poisons
  // the cache for 60 s; corruption here is about IP and TCP checksums.
  { name: 'corrupt 5%', faults: { corrupt: 0.05 }, staticArp: true },
  // MTU 576: the default config, the MSS (536) comes from the MTU. MTU 9000:
  // `mss` caps it at 1460 by default, so jumbo frames need mss 8960.
  { name: 'MTU 576', mtu: 576 },
  { name: 'MTU 9000', mtu: 9000, tcp: { mss: 8960 } },
  { name: 'buffers 8 KiB', tcp: { sendBufferSize: 8192, recvBufferSize: 8192 } },
  { name: 'buffers 1 MiB', tcp: { sendBufferSize: 1 << 20, recvBufferSize: 1 << 20 } },
  { name: 'MTU 576 + loss 5%', mtu: 576, faults: { loss: 0.05 } },
  { name: 'MTU 9000 + loss 5%', mtu: 9000, tcp: { mss: 8960 }, faults: { loss: 0.05 } },
  { name: 'buffers 8 KiB + loss 5%', tcp: { sendBufferSize: 8192, recvBufferSize: 8192 }, faults: { loss: 0.05 } },
  { name: 'buffers 1 MiB + loss 5% + reorder 2%', tcp: { sendBufferSize: 1 << 20, recvBufferSize: 1 << 20 }, faults: { loss: 0.05, reorder: { probability: 0.02, delay: 0.5 } } },
];
const MODES: readonly Mode[] = ['c2s', 's2c', 'half'];

/** Seeds per cell: PER_CELL in CI; with SOAK_SEEDS=N, N spread over the cells. */
function seedsPerCell(): number {
  const soak = Number(process.env['SOAK_SEEDS'] ?? 0);
  const cells = CONDITIONS.length * MODES.length;
  return soak > 0 ? Math.max(PER_CELL, Math.ceil(soak / cells)) : PER_CELL;
}

/** The size of run j of a cell: j = 0 is the full 10 MiB; then mostly 1 KiB..1 MiB, every fifth tiny (0..2000 B). */
function sizeFor(seed: number, j: number): number {
  if (j === 0) return FULL;
  const r = new SeededRandom(seed);
  return j % 5 === 1 ? r.below(2001) : 1024 + r.below((1 << 20) - 1023);
}

/** Which end ends in TIME-WAIT: the one that sent its FIN first. */
const TIME_WAIT_END: Record<Mode, 'client' | 'server'> = { c2s: 'client', s2c: 'server', half: 'client' };

async function run(cond: Condition, mode: Mode, seed: number, size: number): Promise<void> {
  const where = `seed ${seed} (${cond.name}, ${mode}, ${size} B)`;
  const opts: PairOptions = { seed, latency: 1 };
  if (cond.faults !== undefined) opts.faults = { ...cond.faults };
  if (cond.mtu !== undefined) opts.mtu = cond.mtu;
  if (cond.tcp !== undefined) opts.tcp = cond.tcp;
  if (cond.staticArp === true) opts.staticArp = true;
  const p = tcpPair(opts);
  let r;
  try {
    // 30 % loss moves 10 MiB in ~40 min of virtual time: allow 6 h.
    r = await transfer(p, mode, size, seed, 6 * 3_600_000);
  } catch (err) {
    const state = JSON.stringify({ client: conns(p.client).map((c) => c.state), server: conns(p.server).map((c) => c.state) });
    throw new Error(`${where}: ${(err as Error).message}; connections ${state}`, { cause: err });
  }

  // Integrity: every byte, in order, each way.
  expect(r.streams.length, where).toBe(mode === 'half' ? 2 : 1);
  for (const s of r.streams) {
    expect(s.sentBytes, `${where} ${s.name}`).toBe(mode === 'half' && s.name === 'server→client' ? Math.max(1, size >> 1) : size);
    expect(s.gotBytes, `${where} ${s.name}: bytes received`).toBe(s.sentBytes);
    expect(s.got, `${where} ${s.name}: SHA-256 received vs sent`).toBe(s.sent);
  }
  expect(r.closeErrors, `${where}: connection errors at close`).toEqual({ client: null, server: null });

  // Both ends closed: the first FIN's sender in TIME-WAIT, the other CLOSED
  // (gone). Under faults a closed end may rightly answer a late segment with
  // a RST (RFC 9293 §3.10.7.1): a duplicated or reordered final ACK reaching
  // the end that already closed (duplicate 5%, c2s, seed 7100026), or, under
  // loss, the peer's FIN retransmissions outliving TIME-WAIT's 60 s after
  // every ACK of it was lost (30 %, s2c, seed 5200034: TIME-WAIT ended first
  // and the RST closed the peer in LAST-ACK). Linux does the same. Only then
  // may the TIME-WAIT end be gone already; without faults, no RST at all.
  const tw = TIME_WAIT_END[mode];
  const rsts = { client: p.client.inspect().tcp.stats.outRsts, server: p.server.inspect().tcp.stats.outRsts };
  if (cond.faults === undefined) expect(rsts, `${where}: RSTs sent`).toEqual({ client: 0, server: 0 });
  const gone = rsts.client + rsts.server > 0;
  const twStates = gone ? [[], ['TIME-WAIT']] : [['TIME-WAIT']];
  expect(r.afterClose[tw === 'client' ? 'server' : 'client'], `${where}: the passive closer's connection after both closes`).toEqual([]);
  expect(twStates, `${where}: the active closer (${tw}) after both closes (RSTs sent ${JSON.stringify(rsts)})`).toContainEqual(r.afterClose[tw]);

  // What was negotiated matches the config and the MTU.
  const peerMss = Math.min(cond.tcp?.mss ?? 1460, (cond.mtu ?? 1500) - 40); // what each SYN announces
  const mss = peerMss - 12; // what a segment carries: timestamps take 12 bytes
  const bufs = { send: cond.tcp?.sendBufferSize ?? 65_536, recv: cond.tcp?.recvBufferSize ?? 65_536 };
  // Handed over in ESTABLISHED, or CLOSE-WAIT when the handshake's last ACK
  // was lost and the segment completing it already carried the FIN
  // (loss 15%, c2s, 825 B, seed 4100051).
  for (const [end, snap] of Object.entries(r.established)) {
    expect(snap, `${where}: ${end} established snapshot`).toMatchObject({
      state: expect.stringMatching(/^(ESTABLISHED|CLOSE-WAIT)$/), mss, peerMss, timestamps: true, sack: true,
      sendBufferSize: bufs.send, recvBufferSize: bufs.recv,
    });
  }
  if (r.sender !== undefined) {
    expect(r.sender.sndWnd as number, `${where}: the sender's window never exceeds the peer's buffer`).toBeLessThanOrEqual(bufs.recv);
    // + 1: the FIN may go at the right edge of a full window (duplicate 5%, half, seed 7300312: 65 537 in flight).
    expect(r.sender.bytesInFlight as number, `${where}: bytes in flight within the peer's buffer (+ FIN)`).toBeLessThanOrEqual(bufs.recv + 1);
  }
  for (const s of [p.client, p.server]) {
    const snap = s.inspect();
    expect(snap.ipv4.stats.fragmentsOut, `${where}: ${s.name} fragmented (DF is set on TCP)`).toBe(0);
    expect(snap.ipv4.stats.dropped['tooBig'], `${where}: ${s.name} IP refused a segment larger than the MTU`).toBe(0);
    // Under loss ARP may fail (requests and replies lost) and IP then refuses
    // a segment: a tx error, covered by the RTO (30 %, c2s, seed 5100432).
    if ((cond.faults?.loss ?? 0) === 0 || snap.arp.stats.dropped['unresolved'] === 0) {
      expect(snap.tcp.stats.txErrors, `${where}: ${s.name} tcp txErrors (ARP unresolved ${snap.arp.stats.dropped['unresolved']})`).toBe(0);
    }
    expect(snap.tcp.stats.attemptFails, `${where}: ${s.name} failed connects`).toBe(0);
  }
  for (const i of p.net.inspect().interfaces) {
    expect(i.stats['dropped.oversize'], `${where}: ${i.name} got frames over its MTU`).toBe(0);
  }

  // The faults really happened, and corrupted frames died at a checksum.
  const fs = p.net.faultStats('h1.eth0');
  if (size === FULL && cond.faults !== undefined) {
    if ((cond.faults.loss ?? 0) > 0) {
      expect(fs?.lost, `${where}: frames lost`).toBeGreaterThan(0);
      expect(r.sender?.counters, `${where}: the sender retransmitted`).toMatchObject({ retransmits: expect.any(Number) });
      expect((r.sender?.counters as { retransmits: number }).retransmits, `${where}: retransmits`).toBeGreaterThan(0);
    }
    if ((cond.faults.duplicate ?? 0) > 0) expect(fs?.duplicated, `${where}: frames duplicated`).toBeGreaterThan(0);
    if (cond.faults.reorder !== undefined) expect(fs?.reordered, `${where}: frames reordered`).toBeGreaterThan(0);
  }
  if ((cond.faults?.corrupt ?? 0) > 0) {
    let checksum = 0;
    for (const s of [p.client, p.server]) {
      const snap = s.inspect();
      checksum += (snap.ipv4.stats.dropped['checksum'] ?? 0) + (snap.tcp.stats.dropped['checksum'] ?? 0);
    }
    expect(checksum, `${where}: checksum drops ≤ frames corrupted`).toBeLessThanOrEqual(fs?.corrupted ?? 0);
    if ((fs?.corrupted ?? 0) >= 20) expect(checksum, `${where}: corrupted frames dropped by the IPv4/TCP checksums`).toBeGreaterThan(0);
  }

  // TIME-WAIT ends; nothing is left in either layer; close leaves no timer.
  p.net.runFor(TIME_WAIT + 1000);
  expect(conns(p.client), `${where}: client connections after TIME-WAIT`).toEqual([]);
  expect(conns(p.server), `${where}: server connections after TIME-WAIT`).toEqual([]);
  expect(p.client.inspect().tcp.connections, `${where}: listener closed`).toEqual([]);
  expect(p.server.inspect().tcp.connections, `${where}: listener closed`).toEqual([]);
  expect([p.client.layers.tcp.connectionCount, p.server.layers.tcp.connectionCount], `${where}: connectionCount`).toEqual([0, 0]);
  expect(await p.close(), `${where}: timers pending after close`).toBe(0);
  // runUntilSettled only drains microtasks: give the event loop one turn so
  // vitest's worker RPC is not starved over hundreds of runs.
  await new Promise<void>((resolve) => setImmediate(resolve));
}

const only = process.env['TCP_SEED'] === undefined ? undefined : Number(process.env['TCP_SEED']);
const perCell = seedsPerCell();
const from = Number(process.env['SOAK_FROM'] ?? 0);
if (!Number.isInteger(from) || from < 0 || from + perCell >= 100_000) throw new Error(`SOAK_FROM=${from} with ${perCell} seeds per cell: need an integer ≥ 0 and SOAK_FROM + seeds per cell < 100000`);

describe('TCP transfer matrix', () => {
  CONDITIONS.forEach((cond, ci) => {
    describe(cond.name, () => {
      MODES.forEach((mode, mi) => {
        for (let k = 0; k < perCell; k++) {
          const j = k === 0 ? 0 : k + from; // run 0 is the cell's 10 MiB one
          const seed = (ci + 1) * 1_000_000 + (mi + 1) * 100_000 + j;
          if (only !== undefined && seed !== only) continue;
          const size = sizeFor(seed, j);
          it(`${mode} seed ${seed} ${size} B`, () => run(cond, mode, seed, size));
        }
      });
    });
  });
});

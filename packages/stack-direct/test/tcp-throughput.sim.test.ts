// Virtual-time throughput of one TCP transfer over a 100 Mbit/s cable with
// 5 ms one-way delay (RTT 10 ms) and MTU 1500, at 0/1/5/15/30 % loss (each
// direction), with the default 64 KiB buffers and with 1 MiB buffers. Fixed
// seeds: the table is deterministic, kept in
// __snapshots__/tcp-throughput.snap.json so a change in throughput or
// retransmissions shows in review (update with `npx vitest run -u ...`).
import { expect, it } from 'vitest';
import { tcpPair, transfer } from './tcp-harness.js';

const SIZE = 4 * 1024 * 1024;
const RATE = 100_000_000;
const LOSSES = [0, 0.01, 0.05, 0.15, 0.3] as const;
const BUFFERS = [65_536, 1 << 20] as const;

/** 3 significant digits: deterministic anyway, but robust to float noise in the last bits. */
function sig3(x: number): number {
  return Number(x.toPrecision(3));
}

interface Row {
  loss: string;
  buffers: string;
  seed: number;
  bytes: number;
  virtualSeconds: number;
  mbitPerSecond: number;
  retransmits: number;
  fastRetransmits: number;
  timeouts: number;
}

it('throughput and retransmissions by loss, 100 Mbit/s, RTT 10 ms, MTU 1500', async () => {
  const rows: Row[] = [];
  for (const buffers of BUFFERS) {
    for (const [i, loss] of LOSSES.entries()) {
      const seed = 4242 + i;
      const where = `seed ${seed} (loss ${loss * 100}%, buffers ${buffers} B)`;
      const p = tcpPair({
        seed, mtu: 1500, bandwidth: RATE, latency: 5,
        ...(loss > 0 ? { faults: { loss } } : {}),
        tcp: { sendBufferSize: buffers, recvBufferSize: buffers },
      });
      const r = await transfer(p, 'c2s', SIZE, seed, 6 * 3_600_000);
      const s = r.streams[0]!;
      expect(s.gotBytes, where).toBe(SIZE);
      expect(s.got, `${where}: SHA-256`).toBe(s.sent);
      const c = r.sender?.counters as Record<string, number> | undefined;
      expect(c, `${where}: sender snapshot`).toBeDefined();
      rows.push({
        loss: `${loss * 100}%`,
        buffers: buffers === 65_536 ? '64 KiB' : '1 MiB',
        seed,
        bytes: SIZE,
        virtualSeconds: sig3(r.elapsed / 1000),
        mbitPerSecond: sig3((SIZE * 8) / (r.elapsed / 1000) / 1e6),
        retransmits: c!['retransmits']!,
        fastRetransmits: c!['fastRetransmits']!,
        timeouts: c!['timeouts']!,
      });
      p.net.runFor(61_000);
      expect(await p.close(), `${where}: timers after close`).toBe(0);
    }
  }
  // Sanity, independent of the snapshot: the link is the limit without
  // loss (1 MiB buffers: ≥ 80 % of 100 Mbit/s; 64 KiB: ≥ 80 % of the
  // window's 64 KiB per 10 ms RTT ≈ 52 Mbit/s), and more loss never helps.
  const at = (b: string, l: string) => rows.find((r) => r.buffers === b && r.loss === l)!;
  expect(at('1 MiB', '0%').mbitPerSecond, 'seed 4242, 1 MiB buffers, no loss').toBeGreaterThanOrEqual(80);
  expect(at('64 KiB', '0%').mbitPerSecond, 'seed 4242, 64 KiB buffers, no loss').toBeGreaterThanOrEqual(0.8 * (65_536 * 8) / 0.01 / 1e6);
  for (const b of ['64 KiB', '1 MiB']) {
    const series = LOSSES.map((l) => at(b, `${l * 100}%`).mbitPerSecond);
    for (let i = 1; i < series.length; i++) {
      expect(series[i], `${b}: throughput at ${LOSSES[i]! * 100}% (seed ${4242 + i}) vs ${LOSSES[i - 1]! * 100}% (seed ${4241 + i})`).toBeLessThanOrEqual(series[i - 1]!);
    }
    expect(at(b, '0%').retransmits, `${b}, seed 4242: no retransmission without loss`).toBe(0);
  }
  await expect(`${JSON.stringify(rows, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/tcp-throughput.snap.json');
}, 600_000);

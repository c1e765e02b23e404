// Captures of TCP runs for the tshark ring: kept under
// .tmp/pcaps/stack-direct/ (keepPcap) and dissected by tshark at the end
// (expectCleanCaptures: packets present, no malformed frame, no bad IPv4,
// UDP, TCP or ICMP checksum — tsharkCheck turns on tcp.check_checksum). A
// negative control makes sure TCP checksum verification really is on: a run
// with corrupted frames must show bad TCP checksums to tshark.
import { afterAll, describe, expect, it } from 'vitest';
import { needPeer, peersRequired, tsharkCheck } from '@stack/testkit';
import { expectCleanCaptures, keepPcap } from './helpers.js';
import { conns, tcpPair, transfer, type PairOptions } from './tcp-harness.js';

const kept: string[] = [];
afterAll(async () => {
  await expectCleanCaptures(kept);
}, 120_000);

async function captured(name: string, opts: PairOptions, size: number, keep = true): Promise<string> {
  const where = `seed ${opts.seed} (${name})`;
  const p = tcpPair({ ...opts, capture: true });
  const r = await transfer(p, 'c2s', size, opts.seed);
  for (const s of r.streams) expect(s.got, `${where}: SHA-256 ${s.name}`).toBe(s.sent);
  p.net.runFor(61_000);
  expect(conns(p.client), where).toEqual([]);
  expect(await p.close(), `${where}: timers after close`).toBe(0);
  const path = keepPcap(name, p.pcap!.bytes());
  if (keep) kept.push(path);
  return path;
}

describe('TCP captures for tshark', () => {
  it('handshake, 1000 bytes, close', async () => {
    await captured('tcp-handshake-echo-close', { seed: 301, latency: 1 }, 1000);
  });

  it('200 KB at 5 % loss (retransmissions, SACK, out-of-order)', async () => {
    await captured('tcp-lossy-200k', { seed: 302, latency: 1, faults: { loss: 0.05 } }, 200_000);
  });

  it('100 KB at MTU 576 with reordering and duplicates', async () => {
    await captured('tcp-mtu576-reorder-dup', { seed: 303, latency: 1, mtu: 576, tcp: { mss: 536 }, faults: { reorder: 0.05, duplicate: 0.05 } }, 100_000);
  });

  it('negative control: tshark sees the bad TCP checksums of corrupted frames', async () => {
    const path = await captured('tcp-corrupt-control', { seed: 304, latency: 1, staticArp: true, faults: { corrupt: 0.2 } }, 100_000, false);
    const check = needPeer(['tshark']);
    if (!check.ok) {
      if (peersRequired()) throw new Error(`tshark is needed: ${check.reason}`);
      console.warn(`skipping the tshark negative control: ${check.reason}`);
      return;
    }
    const report = await tsharkCheck(path);
    expect(report.badChecksums.filter((b) => b.protocol === 'tcp').length, `seed 304: bad TCP checksums tshark found in ${path}`).toBeGreaterThan(0);
  });
});

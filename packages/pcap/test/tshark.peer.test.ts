import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '@stack/wire';
import { PcapWriter, PcapngWriter, fileSink, type PacketRecorder } from '../src/index.js';

// Ring 4 (DESIGN.md): tshark dissects what we write. Needs the Debian
// `tshark` package; skipped with a message when it is missing, except in CI.

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = hasTshark();
if (!available && process.env['CI'] === 'true') {
  throw new Error('tshark is not installed, and CI=true requires this peer test (apt-get install tshark)');
}
if (!available) console.warn('tshark.peer.test: tshark not installed, skipping (apt-get install tshark)');

// ARP who-has 10.77.0.2 tell 10.77.0.1, from 02:00:00:00:00:01 to broadcast.
const ARP = fromHex(`
  ffffffffffff 020000000001 0806
  0001 0800 06 04 0001 020000000001 0a4d0001 000000000000 0a4d0002
`);
// UDP 10.77.0.1:49152 → 10.77.0.2:7, payload "hello" (checksums zero: none).
const UDP = fromHex(`
  020000000002 020000000001 0800
  4500 0021 0001 0000 4011 0000 0a4d0001 0a4d0002
  c000 0007 000d 0000 68656c6c6f
`);

function writeFrames(w: PacketRecorder, n: number): void {
  for (let i = 0; i < n; i++) w.writePacket(i * 1.25, i % 2 === 0 ? ARP : UDP, i % 2 === 0 ? 'outbound' : 'inbound');
}

describe.skipIf(!available)('tshark reads our captures', () => {
  const dir = mkdtempSync('/tmp/stack-pcap-tshark-');

  const tshark = (path: string, fields: string[]): string[] =>
    execFileSync('tshark', ['-r', path, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .trim()
      .split('\n');

  it.each(['us', 'ns'] as const)('classic pcap (%s)', (resolution) => {
    const path = join(dir, `classic-${resolution}.pcap`);
    const w = new PcapWriter(fileSink(path), { resolution });
    writeFrames(w, 7);
    w.close();
    const lines = tshark(path, ['frame.number', 'frame.time_relative', 'arp.dst.proto_ipv4', 'udp.dstport']);
    expect(lines.length).toBe(7);
    expect(lines[0]).toBe('1\t0.000000000\t10.77.0.2\t');
    expect(lines[1]).toBe('2\t0.001250000\t\t7');
  });

  it.each(['us', 'ns'] as const)('pcapng with two interfaces (%s)', (resolution) => {
    const path = join(dir, `ng-${resolution}.pcapng`);
    const w = new PcapngWriter(fileSink(path), { resolution });
    const a = w.interface('h1.eth0');
    const b = w.interface('h2.eth0');
    writeFrames(a, 3);
    writeFrames(b, 2);
    w.close();
    const lines = tshark(path, ['frame.interface_name', 'frame.p2p_dir', 'frame.len']);
    expect(lines.length).toBe(5);
    expect(lines[0]).toBe('h1.eth0\t0\t42');
    expect(lines[4]).toBe('h2.eth0\t1\t47');
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
});

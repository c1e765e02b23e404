import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describePeer, loadHexBlocks, tsharkCheck } from '../src/index.js';

const repo = (p: string): string => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const UDP = loadHexBlocks(repo('packages/udp/src/fixtures/linux-udp.hex')).get('ip-packet')!;
const ICMP = loadHexBlocks(repo('packages/icmp/src/fixtures/linux-echo-request.hex')).get('ip-packet')!;
// The ARP capture holds ARP payloads; frame it (broadcast, padded to 60 bytes as on the wire).
const ARP = (() => {
  const arp = loadHexBlocks(repo('packages/arp/src/fixtures/linux-arp.hex')).get('request')!;
  const f = new Uint8Array(60);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0x51, 1, 0x08, 0x06]);
  f.set(arp, 14);
  return f;
})();

/** An Ethernet II frame around an IPv4 packet. */
function eth(ip: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + ip.length);
  f.set([2, 0x77, 0, 0, 0, 2, 2, 0x77, 0, 0, 0, 1, 0x08, 0x00]);
  f.set(ip, 14);
  return f;
}

/** A classic little-endian pcap (LINKTYPE_ETHERNET). */
function pcap(frames: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const h = new DataView(new ArrayBuffer(24));
  h.setUint32(0, 0xa1b2c3d4, true);
  h.setUint16(4, 2, true);
  h.setUint16(6, 4, true);
  h.setUint32(16, 262144, true);
  h.setUint32(20, 1, true);
  parts.push(new Uint8Array(h.buffer));
  frames.forEach((f, i) => {
    const r = new DataView(new ArrayBuffer(16));
    r.setUint32(0, 1_700_000_000 + i, true);
    r.setUint32(8, f.length, true);
    r.setUint32(12, f.length, true);
    parts.push(new Uint8Array(r.buffer), f);
  });
  return Buffer.concat(parts);
}

function flip(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const c = Uint8Array.from(bytes);
  c[at]! ^= mask;
  return c;
}

const dir = mkdtempSync(join(tmpdir(), 'testkit-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describePeer('tsharkCheck against tshark', { commands: ['tshark'] }, () => {
  it('passes Linux-captured frames: packets > 0, nothing malformed, every checksum good', async () => {
    const path = join(dir, 'good.pcap');
    writeFileSync(path, pcap([ARP, eth(UDP), eth(ICMP)]));
    const r = await tsharkCheck(path);
    expect(r).toEqual({ packets: 3, malformed: [], badChecksums: [], warnings: [] });
  });

  it('catches corrupted IPv4, UDP and ICMP checksums and a malformed UDP length', async () => {
    const udpLength = Uint8Array.from(UDP);
    udpLength[24] = 0;
    udpLength[25] = 200; // UDP length 200 > IP payload
    const path = join(dir, 'bad.pcap');
    writeFileSync(path, pcap([
      eth(UDP),
      eth(flip(UDP, 10)), // IPv4 header checksum
      eth(flip(UDP, 26)), // UDP checksum
      eth(flip(ICMP, 22)), // ICMP checksum
      eth(udpLength),
      eth(UDP).subarray(0, 30), // cut inside the IPv4 header's promise: total length > bytes
    ]));
    const r = await tsharkCheck(path);
    expect(r.packets).toBe(6);
    expect(r.badChecksums.map((b) => [b.frame, b.protocol])).toEqual([[2, 'ip'], [3, 'udp'], [4, 'icmp']]);
    expect(r.badChecksums.every((b) => /checksum/i.test(b.message))).toBe(true);
    expect(r.malformed.map((m) => m.frame)).toEqual([5, 6]);
  });

  it('rejects when tshark cannot read the file', async () => {
    await expect(tsharkCheck(join(dir, 'missing.pcap'))).rejects.toThrowError(/exit/);
  });
});

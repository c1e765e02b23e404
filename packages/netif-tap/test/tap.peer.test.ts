import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { formatMac, ipv4 } from '@stack/wire';
import { describePeer } from '@stack/testkit';
import type { Flow } from '@stack/interfaces';
import { KERNEL_IP, OUR_IP, PY_SINK, PY_SOURCE, PY_UDP_SINK, sha256, withTapStack } from './harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'netif-tap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const PAYLOAD = randomBytes(8 * 1024 * 1024);
const payloadFile = join(tmp, 'payload.bin');
writeFileSync(payloadFile, PAYLOAD);

/** Reads a flow to EOF; returns the bytes. */
async function readAll(flow: Flow): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const r = await flow.read();
    if (r.data) parts.push(r.data.slice());
    else if (r.eof) break;
    else throw new Error(`read failed: ${r.error}`);
  }
  return Buffer.concat(parts);
}

const REQUIRE = { commands: ['ip', 'ping', 'arping', 'python3'], root: true, files: ['/dev/net/tun'] };

for (const offloads of [true, false] as const) {
  describePeer(`@stack/netif-tap with Linux as the peer, offloads ${offloads ? 'on' : 'off'}`, REQUIRE, () => {
    it('negotiates what it says in capabilities', async () => {
      await withTapStack({ offloads }, async ({ tap }) => {
        expect(tap.name).toBe('tap0');
        // USO (GSO_UDP_L4 from us) needs Linux 6.2.
        const [major = 0, minor = 0] = release().split('.').map(Number);
        const usoKernel = major > 6 || (major === 6 && minor >= 2);
        expect(tap.negotiated).toMatchObject({ vnetHdr: true, csum: offloads, tso4: offloads, uso: offloads && usoKernel });
        expect(tap.coalescingUdp).toBe(offloads && usoKernel);
        expect(tap.capabilities).toEqual({
          mtu: 1500,
          rxChecksumVerified: false,
          txChecksumOffload: offloads,
          gsoMaxSize: offloads ? 65_535 : 0,
          gro: offloads,
        });
      });
    });

    it('answers Linux ping of 56, 1472 and 8000 bytes (the last fragmented both ways)', async () => {
      await withTapStack({ offloads }, async ({ ns, tap, stack }) => {
        for (const size of [56, 1472, 8000]) {
          const r = await ns.exec('ping', ['-c', '3', '-i', '0.2', '-W', '2', '-s', String(size), OUR_IP]);
          expect(r.stdout).toContain('3 packets transmitted, 3 received');
          expect(r.stdout).toContain(`${size + 8} bytes from ${OUR_IP}`);
        }
        const ipStats = stack.layers.ipv4.stats;
        expect(ipStats.reassembled).toBe(3); // the three 8000-byte requests
        expect(ipStats.fragmentsOut).toBeGreaterThanOrEqual(3 * 6); // and the replies, cut by us
        // 8008-byte ICMP messages come in as 6 fragments and go out as 6: at least 3 * 6 frames each way for those alone.
        expect(tap.stats.rxFrames).toBeGreaterThanOrEqual(3 + 3 + 3 * 6);
        expect(tap.stats.txFrames).toBeGreaterThanOrEqual(3 + 3 + 3 * 6);
        expect(tap.stats.rxDropped).toBe(0);
        expect(tap.stats.txDropped).toBe(0);
      });
    });

    it('our ping reaches Linux', async () => {
      await withTapStack({ offloads }, async ({ stack }) => {
        const r = await stack.icmp.ping(KERNEL_IP, { timeout: 2000 });
        expect(r.ok).toBe(true);
      });
    });

    it('arping resolves our MAC', async () => {
      await withTapStack({ offloads }, async ({ ns, tap }) => {
        const r = await ns.exec('arping', ['-c', '2', '-w', '5', '-i', 'tap0', OUR_IP], { allowFailure: true });
        expect(r.stdout.toLowerCase()).toContain(formatMac(tap.mac));
        expect(r.stdout).toMatch(/2 packets transmitted, 2 packets received/);
      });
    });

    it('receives 8 MiB over TCP from Linux intact' + (offloads ? ', as coalesced segments' : ''), async () => {
      await withTapStack({ offloads }, async ({ ns, tap, stack }) => {
        const got = new Promise<Uint8Array>((resolve, reject) => {
          const listener = stack.tcp.listen(5001, (flow) => {
            readAll(flow).then(async (bytes) => {
              await flow.close();
              await listener.close();
              resolve(bytes);
            }, reject);
          });
        });
        const sender = ns.exec('python3', ['-c', PY_SOURCE, OUR_IP, '5001', payloadFile], { timeoutMs: 120_000 });
        const bytes = await got;
        expect((await sender).stdout).toContain(`sent ${PAYLOAD.length}`);
        expect(bytes.length).toBe(PAYLOAD.length);
        expect(sha256(bytes)).toBe(sha256(PAYLOAD));
        if (offloads) {
          expect(tap.stats.gsoIn).toBeGreaterThan(0);
          expect(tap.stats.csumPartialIn).toBeGreaterThan(0);
        } else {
          expect(tap.stats.gsoIn).toBe(0);
        }
        expect(tap.stats.dropped.badHeader).toBe(0);
      });
    });

    it('sends 8 MiB over TCP to Linux intact' + (offloads ? ', as GSO frames the kernel cuts' : ''), async () => {
      await withTapStack({ offloads }, async ({ ns, tap, stack }) => {
        const sink = ns.spawn('python3', ['-c', PY_SINK, KERNEL_IP, '5002']);
        await sink.waitForOutput('ready');
        const c = await stack.tcp.connect(KERNEL_IP, 5002, { timeout: 5000 });
        if (!c.flow) throw new Error(`connect failed: ${c.error}`);
        const chunk = 256 * 1024;
        for (let off = 0; off < PAYLOAD.length; off += chunk) {
          expect(await c.flow.write(PAYLOAD.subarray(off, off + chunk))).toBeNull();
        }
        await c.flow.close();
        await sink.waitForOutput(/\d+ [0-9a-f]{64}/, 60_000);
        expect(sink.stdout()).toContain(`${PAYLOAD.length} ${sha256(PAYLOAD)}`);
        if (offloads) {
          expect(tap.stats.gsoOut).toBeGreaterThan(0);
          expect(tap.stats.csumOffloadOut).toBeGreaterThan(0);
        } else {
          expect(tap.stats.gsoOut).toBe(0);
          expect(tap.stats.csumOffloadOut).toBe(0);
        }
        expect(tap.stats.dropped.offload).toBe(0);
        expect(tap.stats.dropped.writeError).toBe(0);
      });
    });

    it('a burst of UDP datagrams sent in one tick reaches Linux whole and in order' + (offloads ? ', as USO frames the kernel cuts' : ''), async () => {
      await withTapStack({ offloads }, async ({ ns, tap, stack }) => {
        expect((await stack.icmp.ping(KERNEL_IP, { timeout: 2000 })).ok).toBe(true); // ARP resolved before the burst
        // Runs of one flow with a shorter last datagram, a second flow cutting in, full-size datagrams (44 fit one
        // 64 KiB frame), and more small ones than one USO frame holds.
        const a = stack.udp.bind(0, () => {});
        const b = stack.udp.bind(0, () => {});
        const sends: [typeof a, number][] = [
          ...Array.from({ length: 40 }, () => [a, 100] as [typeof a, number]),
          [a, 60], ...Array.from({ length: 5 }, () => [a, 100] as [typeof a, number]), [b, 100],
          ...Array.from({ length: 100 }, () => [a, 1472] as [typeof a, number]),
          ...Array.from({ length: 70 }, () => [a, 10] as [typeof a, number]),
        ];
        const sink = ns.spawn('python3', ['-c', PY_UDP_SINK, KERNEL_IP, '5003', String(sends.length)]);
        await sink.waitForOutput('ready');
        const snmp0 = await udpSnmp(ns);
        const h = createHash('sha256');
        sends.forEach(([sock, size], i) => {
          const data = randomBytes(size);
          data.writeUInt16BE(i, 0);
          expect(sock.send(ipv4(KERNEL_IP), 5003, data)).toBeNull();
          h.update(Buffer.from([size >> 8, size & 0xff])).update(data);
        });
        await sink.waitForOutput(/"count"/, 15_000);
        const got = JSON.parse(sink.stdout().trim().split('\n').at(-1)!) as { count: number; sha256: string };
        expect(got).toEqual({ count: sends.length, sha256: h.digest('hex') });
        const snmp1 = await udpSnmp(ns);
        expect(snmp1['InCsumErrors']).toBe(snmp0['InCsumErrors']);
        expect(snmp1['InErrors']).toBe(snmp0['InErrors']);
        expect(tap.stats.dropped.writeError).toBe(0);
        if (tap.coalescingUdp) {
          // 41 + 5 of a, b alone, 44 + 44 + 12 full-size, 64 + 6 small.
          expect(tap.stats.usoOut).toBe(7);
          expect(tap.stats.udpCoalesced).toBe(sends.length - 1);
        } else {
          expect(tap.stats.usoOut).toBe(0);
        }
      });
    });
  });
}

/** Linux's UDP counters in the namespace (/proc/net/snmp, "Udp:" lines). */
async function udpSnmp(ns: { exec(cmd: string, args: string[]): Promise<{ stdout: string }> }): Promise<Record<string, number>> {
  const lines = (await ns.exec('cat', ['/proc/net/snmp'])).stdout.split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]!]));
}

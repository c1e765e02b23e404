import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { needPeer, peersRequired, tsharkCheck } from '@stack/testkit';
import { parseDemoArgs } from '../src/cli.js';
import { runDemo } from '../src/scenario.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'stack-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function demo(args: string[]): Promise<{ lines: string[]; ok: boolean; pcap: Uint8Array | undefined }> {
  const lines: string[] = [];
  const result = await runDemo(parseDemoArgs(args, false), (l) => lines.push(l));
  return { lines, ok: result.ok, pcap: result.pcap };
}

describe('apps/demo', () => {
  it('narrates ARP, ping, UDP echo, fragmentation, TCP echo and a TCP bulk transfer, and succeeds without loss', async () => {
    const { lines, ok } = await demo(['--seed', '7']);
    expect(ok).toBe(true);
    const text = lines.join('\n');
    expect(text).toMatch(/alpha ping beta: reply from 10\.0\.0\.2 seq 1/);
    expect(text).toMatch(/gamma → beta udp "hello from gamma": echoed intact \(16 bytes\)/);
    expect(text).toMatch(/alpha → beta udp 8000 bytes: echoed intact \(8000 bytes\)/);
    expect(text).toMatch(/alpha: \d+ frames out, \d+ in, 2 ARP entries, 6 fragments out, 1 reassembled, \d+ TCP segments out, \d+ in/);
    // TCP echo: connect, three lines back intact, both FINs.
    expect(text).toMatch(/gamma → beta tcp echo: connected 10\.0\.0\.3:\d+ → 10\.0\.0\.2:7/);
    for (const line of ['hello over TCP', 'the quick brown fox', 'bye']) expect(text).toContain(`gamma → beta tcp echo: "${line}" echoed intact`);
    expect(text).toMatch(/gamma → beta tcp echo: closed after 3 lines/);
    // Bulk: the sink's hash matches, the rate is that of a 100 Mbit/s link, and ss lines of both ends halfway.
    expect(text).toMatch(/alpha → gamma tcp 1 MiB: sink read 1048576 bytes, sha256 [0-9a-f]{16}… matches/);
    const rate = Number(/from SYN to FIN, ([\d.]+) Mbit\/s, 0 segments retransmitted/.exec(text)?.[1]);
    expect(rate).toBeGreaterThan(50);
    expect(rate).toBeLessThan(100);
    expect(text).toMatch(/ss alpha ESTABLISHED 10\.0\.0\.1:\d+ → 10\.0\.0\.3:9 cwnd:\d+ rtt:[\d.]+\/[\d.]+ rto:\d+ inflight:\d+ retrans:0\/0/);
    expect(text).toMatch(/ss gamma ESTABLISHED 10\.0\.0\.3:9 → 10\.0\.0\.1:\d+ /);
    expect(lines.at(-1)).toMatch(/^ok: 11\/11 exchanges succeeded/);
  });

  it('gets through 10% loss by retrying, deterministically per seed', async () => {
    const a = await demo(['--seed', '3', '--loss', '10', '--pcap', 'x']);
    const b = await demo(['--seed', '3', '--loss', '10', '--pcap', 'x']);
    expect(a.ok).toBe(true);
    expect(a.lines).toEqual(b.lines);
    expect(Buffer.from(a.pcap!).equals(Buffer.from(b.pcap!))).toBe(true);
    const text = a.lines.join('\n');
    expect(text).toMatch(/trying again/); // the loss did bite
    // TCP repairs the loss itself: the bulk data arrives intact, after retransmissions.
    expect(text).toMatch(/alpha → gamma tcp 1 MiB: sink read 1048576 bytes, sha256 [0-9a-f]{16}… matches/);
    expect(Number(/tcp 1 MiB: .* Mbit\/s, (\d+) segments retransmitted/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(a.lines.at(-1)).toMatch(/^ok: 11\/11 exchanges succeeded/);
  });

  it('-q prints only the summary', async () => {
    const { lines, ok } = await demo(['--seed', '2', '--loss', '5', '-q']);
    expect(ok).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ok: 11\/11 exchanges succeeded in [\d.]+ ms of virtual time \(seed 2, loss 5%\)$/);
  });

  it('says when the network was too lossy, and fails', async () => {
    const { ok, lines } = await demo(['--seed', '1', '--loss', '100', '-q']);
    expect(ok).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^FAILED: 0\/11 exchanges succeeded .* failed: alpha ping beta, .*, gamma → beta tcp echo, alpha → gamma tcp 1 MiB$/);
  });

  it('rejects bad flags with a message that says what is allowed', () => {
    expect(() => parseDemoArgs(['--seed', 'abc'], false)).toThrow(/whole number from 0 to 4294967295/);
    expect(() => parseDemoArgs(['--loss', '150'], false)).toThrow(/percentage from 0 to 100/);
    expect(() => parseDemoArgs(['--bogus'], false)).toThrow(/unknown option/);
  });

  it('`npm run demo -- --seed 7 --pcap PATH` run twice writes identical files that tshark reads cleanly', async () => {
    const files = [join(dir, 'one.pcap'), join(dir, 'two.pcap'), join(dir, 'other.pcap')];
    const outs = [];
    for (const [i, f] of files.entries()) {
      const { stdout } = await run('npm', ['run', '--silent', 'demo', '--', '--seed', i < 2 ? '7' : '8', '--pcap', f], { cwd: root });
      outs.push(stdout);
    }
    expect(outs[0]).toMatch(/ok: 11\/11 exchanges succeeded/);
    expect(outs[0]).toMatch(/wrote \d+ bytes of pcapng/);
    const [one, two, other] = files.map((f) => readFileSync(f));
    expect(one!.equals(two!)).toBe(true);
    expect(one!.equals(other!)).toBe(false);
    const check = needPeer(['tshark']);
    if (!check.ok) {
      if (peersRequired()) throw new Error(`tshark is needed: ${check.reason}`);
      return;
    }
    const report = await tsharkCheck(files[0]!);
    expect(report.packets).toBeGreaterThan(30);
    expect(report.malformed).toEqual([]);
    expect(report.badChecksums).toEqual([]);
  }, 120_000);

  it('prints --help', async () => {
    const { stdout } = await run('node', ['--conditions=@stack/source', '--import', 'tsx', 'src/main.ts', '--help'], { cwd: join(root, 'apps', 'demo') });
    expect(stdout).toMatch(/--seed <n>/);
    expect(stdout).toMatch(/--loss <pct>/);
    expect(stdout).toMatch(/--pcap <path>/);
  });

  it('exits 1 when an exchange fails', async () => {
    const err = await run('node', ['--conditions=@stack/source', '--import', 'tsx', 'src/main.ts', '--loss', '100', '-q'], { cwd: join(root, 'apps', 'demo') }).catch((e: { code: number; stdout: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stdout: string }).stdout).toMatch(/^FAILED: 0\/11 exchanges succeeded/);
  });

  it('exits 1 with the reason on a bad flag', async () => {
    const err = await run('node', ['--conditions=@stack/source', '--import', 'tsx', 'src/main.ts', '--loss', 'lots'], { cwd: join(root, 'apps', 'demo') }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toMatch(/"lots" is not a loss rate; use a percentage from 0 to 100/);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describePeer, withNetns, type Netns, type NetnsProcess } from '@stack/testkit';
import { waitFor } from '@stack/testkit/process';
import { sha256 } from './hash.js';

// The echo app as a user runs it (`npm run echo -- ...`), inside a network
// namespace, with Linux's nc as the client: once on @stack's own stack on a
// TAP (--net direct), once on the kernel's (--net socket). The same checks
// run against both.

const MAIN = ['--conditions=@stack/source', '--import', 'tsx', 'apps/echo/src/main.ts'];

/** python3 -c UDP_ONCE HOST PORT TEXT: sends TEXT in one datagram, prints the first reply from HOST:PORT (10 s at most). */
const UDP_ONCE = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(10)
s.connect((sys.argv[1], int(sys.argv[2]))); s.send(sys.argv[3].encode())
sys.stdout.write(s.recv(65535).decode())
`;

interface Running {
  readonly ns: Netns;
  readonly app: NetnsProcess;
  readonly host: string;
}

async function startEcho(ns: Netns, net: 'direct' | 'socket'): Promise<Running> {
  let host: string;
  let args: string[];
  if (net === 'direct') {
    await ns.addTap('tap0');
    await ns.addr('tap0', '10.77.0.1/24');
    host = '10.77.0.2';
    args = ['--net', 'direct', '--tap', 'tap0', '--ip', '10.77.0.2/24'];
  } else {
    host = '127.0.0.1';
    args = ['--net', 'socket'];
  }
  const app = ns.spawn(process.execPath, [...MAIN, ...args, '--log-level', 'info']);
  await app.waitForOutput('echo listening', 30_000);
  return { ns, app, host };
}

function suite(net: 'direct' | 'socket'): void {
  const withEcho = (fn: (r: Running) => Promise<void>) => withNetns((ns) => startEcho(ns, net).then(fn), { prefix: 'echo' });

  it(`${net}: nc gets a line back, and the app exits 0 on SIGTERM after closing every flow`, async () => {
    await withEcho(async ({ ns, app, host }) => {
      const r = await ns.sh(`printf 'hello over ${net}\\n' | nc -N -w 5 ${host} 7`);
      expect(r.stdout).toBe(`hello over ${net}\n`);
      // An idle connection held open across the shutdown: the app closes it (FIN), the client sees EOF and exits.
      const held = ns.spawn('sh', ['-c', `socat -u TCP:${host}:7 STDOUT; echo client-exited`]);
      await waitFor(async () => (await ns.sh(`ss -tn state established '( dport = :7 )' | tail -n +2 | wc -l`)).stdout.trim() !== '0', {
        what: 'the held connection to be established',
        intervalMs: 50,
      });
      await app.kill('SIGTERM');
      const exit = await app.exited;
      expect(exit.code).toBe(0);
      await held.waitForOutput('client-exited', 10_000);
      expect(app.stderr()).toMatch(/"msg":"stopped"/);
    });
  });

  it(`${net}: 10 MB through nc comes back intact (SHA-256), with half close`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'echo-peer-'));
    try {
      const data = randomBytes(10 * 1024 * 1024);
      writeFileSync(join(dir, 'in'), data);
      await withEcho(async ({ ns, host }) => {
        const r = await ns.sh(`nc -N -w 10 ${host} 7 < ${dir}/in | sha256sum`, { timeoutMs: 120_000 });
        expect(r.stdout.split(' ')[0]).toBe(sha256(data));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`${net}: 20 nc clients at once each get their own bytes`, async () => {
    await withEcho(async ({ ns, host }) => {
      const r = await ns.sh(`for i in $(seq 1 20); do (printf "client $i\\n" | nc -N -w 10 ${host} 7 > /tmp/${ns.name}-$i) & done; wait; cat /tmp/${ns.name}-*; rm -f /tmp/${ns.name}-*`);
      const lines = r.stdout.trim().split('\n').sort();
      expect(lines).toEqual(Array.from({ length: 20 }, (_, i) => `client ${i + 1}`).sort());
    });
  });

  it(`${net}: UDP datagrams come back; SIGUSR2 prints the state as JSON`, async () => {
    await withEcho(async ({ ns, app, host }) => {
      // One datagram and its echo, waiting up to 10 s (nc -u would need a fixed idle wait, and 1 s is short on a loaded machine).
      const r = await ns.exec('python3', ['-c', UDP_ONCE, host, '7', 'datagram']);
      expect(r.stdout).toBe('datagram');
      process.kill(app.pid, 'SIGUSR2');
      await app.waitForOutput(/"udpEchoed":1/, 10_000);
      const line = app.stdout().trim().split('\n').at(-1)!;
      const state = JSON.parse(line) as { echo: { udpEchoed: number }; stack: { name: string } };
      expect(state.echo.udpEchoed).toBe(1);
      expect(state.stack.name).toBe('echo');
    });
  });
}

describePeer('echo app against Linux nc', { commands: ['ip', 'nc', 'socat', 'ss', 'sha256sum', 'python3'], root: true, files: ['/dev/net/tun'] }, () => {
  suite('direct');
  suite('socket');
});

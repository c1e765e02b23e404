import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { echo } from '@stack/flow';
import { freePort, until } from './socket-pair.test-helper.js';
import { createSocketStack } from './stack.js';

/** Sockets and timers alive in this process, by kind. */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (/TCP|UDP|Timeout/.test(r)) out[r] = (out[r] ?? 0) + 1;
  return out;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('socket stack lifecycle', () => {
  it('close() ends listeners, flows, connects and sockets, and leaves no handle behind', async () => {
    const before = handles();
    const srv = createSocketStack({ name: 'srv', address: '127.0.0.1' });
    const cli = createSocketStack({ name: 'cli', address: '127.0.0.1' });
    const port = await freePort();
    await srv.tcp.listen(port, (flow) => void echo(flow)).ready;
    const c = await cli.tcp.connect('127.0.0.1', port, { timeout: 60_000 }); // a timer that close() must clear
    expect(await c.flow!.write(new Uint8Array(10))).toBeNull();
    expect(await c.flow!.read()).toEqual({ data: new Uint8Array(10) }); // the echo
    const pendingRead = c.flow!.read();
    const pendingConnect = cli.tcp.connect('127.0.0.1', port, { timeout: 60_000 });
    srv.udp.bind(0, () => {});
    cli.udp.send('127.0.0.1', 9, new Uint8Array(1)); // a one-shot sender
    expect(Object.keys(handles()).length).toBeGreaterThan(0);
    await Promise.all([cli.close(), srv.close()]);
    expect(await pendingRead).toEqual({ error: 'aborted' }); // as @stack/tcp's close: every connection is reset
    expect(await c.flow!.read()).toEqual({ error: 'aborted' });
    expect(await pendingConnect).toEqual({ error: 'reset' });
    expect(handles()).toEqual(before);
    expect(srv.closed && cli.closed).toBe(true);
    expect(srv.inspect()).toMatchObject({ closed: true, tcp: { listeners: [], connections: [] }, udp: { sockets: [] } });
    await srv.close(); // idempotent
  });

  it('the peer of a closing stack sees its connections reset', async () => {
    const srv = createSocketStack({ address: '127.0.0.1' });
    const cli = createSocketStack({ address: '127.0.0.1' });
    const port = await freePort();
    let accepted = 0;
    await srv.tcp.listen(port, () => accepted++).ready;
    const c = await cli.tcp.connect('127.0.0.1', port);
    await until(() => accepted === 1);
    await srv.close();
    expect(await c.flow!.read()).toEqual({ error: 'reset' });
    await cli.close();
  });

  it('`await using` closes the stack', async () => {
    const before = handles();
    let s: ReturnType<typeof createSocketStack> | undefined;
    {
      await using stack = createSocketStack({ address: '127.0.0.1' });
      s = stack;
      stack.udp.bind(0, () => {});
    }
    expect(s.closed).toBe(true);
    expect(handles()).toEqual(before);
  });

  it('the process exits by itself after close (examples/basic.ts in a child process)', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--conditions=@stack/source', '--import', 'tsx', 'packages/stack-socket/examples/basic.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearTimeout(timer);
    expect(out).toContain('tcp echo: hello over the kernel');
    expect(out).toContain('udp echo: hello, udp');
    expect(out).toContain("error: 'unsupported'");
    expect(out).toContain('handles left: []');
    expect(code).toBe(0); // it ended on its own: nothing kept the event loop alive
  }, 40_000);
});

import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';

// The app as a user runs it, on the kernel's stack (no root needed): a port
// another process holds is a clear error and exit code 1, not a crash.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ARGS = ['--conditions=@stack/source', '--import', 'tsx', 'apps/echo/src/main.ts'];

let held: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (held ? held.close(() => resolve()) : resolve()));
  held = undefined;
});

it('--net socket on a port another process holds: says so and exits 1', async () => {
  held = createServer();
  await new Promise<void>((resolve) => held!.listen(0, '127.0.0.1', resolve));
  const port = (held.address() as { port: number }).port;
  const child = spawn(process.execPath, [...ARGS, '--net', 'socket', '--port', String(port)], { cwd: ROOT });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(1);
  expect(stderr).toContain(`cannot listen on port ${port}`);
  expect(stderr).toContain('"code":"ERR_PORT_IN_USE"');
  expect(stderr).not.toContain('echo listening');
}, 30_000);

// Test helpers: free loopback ports from the kernel, and a StackPair of two
// socket stacks on 127.0.0.1 for the conformance suite.
import { createServer } from 'node:net';
import { afterEach } from 'vitest';
import { createSocketStack, type SocketStack } from './stack.js';
import type { SocketStackOptions } from './config.js';
import type { StackPair } from '@stack/testkit/conformance';

/** A TCP port of 127.0.0.1 that was free a moment ago (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Polls `cond` every 2 ms until it holds (at most `ms`). */
export async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`the condition did not hold within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Two socket stacks on loopback. */
export function socketPair(options: SocketStackOptions = {}): StackPair & { server: SocketStack; client: SocketStack } {
  const server = createSocketStack({ name: 'srv', address: '127.0.0.1', ...options });
  const client = createSocketStack({ name: 'cli', address: '127.0.0.1', ...options });
  return {
    server,
    client,
    address: '127.0.0.1',
    port: freePort,
    settle: (p) => p,
    until: (cond) => until(cond),
    sleep,
    async close() {
      await Promise.all([client.close(), server.close()]);
    },
  };
}

/**
 * A factory of socket stacks on 127.0.0.1 for one test file: every stack it
 * made is closed after each test (call at the top level of the file).
 */
export function stacksClosedAfterEach(): (options?: SocketStackOptions) => SocketStack {
  const open: SocketStack[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return (options = {}) => {
    const s = createSocketStack({ address: '127.0.0.1', ...options });
    open.push(s);
    return s;
  };
}

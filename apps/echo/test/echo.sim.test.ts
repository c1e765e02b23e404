import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { describe } from 'vitest';
import { memoryLink } from '@stack/netif';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { createDirectStack } from '@stack/stack-direct';
import { createSocketStack } from '@stack/stack-socket';
import type { StackPair } from '@stack/testkit/conformance';
import { sleep, waitFor } from '@stack/testkit/process';
import { echoSuite } from './echo-suite.js';

const hostYield = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Whether UDP `port` of 127.0.0.1 can be bound right now. */
function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port of 127.0.0.1 the kernel picked as free for TCP, that is free for UDP too (the echo server takes both). */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen({ port: 0, host: '127.0.0.1' }, () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    if (await udpFree(port)) return port;
  }
  throw new Error('no port of 127.0.0.1 free for both TCP and UDP in 20 tries');
}

// The same suite on the two stacks an app can choose (`--net direct|socket`).
describe('echo over @stack/stack-direct (two stacks on a simulated link, virtual time)', () => {
  echoSuite(async (): Promise<StackPair> => {
    const scheduler = new SimScheduler();
    const [a, b] = memoryLink({ scheduler, names: ['srv', 'cli'], latency: 0.05, mtu: 1500 });
    const server = createDirectStack(a, { scheduler, random: new SeededRandom(11) }, { address: '10.0.0.2/24' });
    const client = createDirectStack(b, { scheduler, random: new SeededRandom(12) }, { address: '10.0.0.1/24' });
    let nextPort = 7007;
    return {
      server,
      client,
      address: '10.0.0.2',
      port: () => nextPort++,
      settle: (p) => scheduler.runUntilSettled(p, Infinity, { hostYield }),
      until: async (cond) => {
        if (!scheduler.runUntil(cond)) throw new Error('the condition never held (nothing left to run)');
      },
      sleep: async (ms) => {
        for (let t = 0; t < ms; t++) {
          scheduler.runFor(1);
          await hostYield();
        }
      },
      async close() {
        await scheduler.runUntilSettled(Promise.all([client.close(), server.close()]), Infinity, { hostYield });
      },
    };
  });
});

describe('echo over @stack/stack-socket (the kernel\'s loopback)', () => {
  echoSuite(async (): Promise<StackPair> => {
    const server = createSocketStack({ name: 'srv', address: '127.0.0.1' });
    const client = createSocketStack({ name: 'cli', address: '127.0.0.1' });
    return {
      server,
      client,
      address: '127.0.0.1',
      port: freePort,
      settle: (p) => p,
      until: (cond) => waitFor(cond, { timeoutMs: 10_000, intervalMs: 2, what: 'the condition of the test' }),
      sleep,
      async close() {
        await client.close();
        await server.close();
      },
    };
  });
});

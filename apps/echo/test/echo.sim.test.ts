import { describe } from 'vitest';
import { memoryLink } from '@stack/netif';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { createDirectStack } from '@stack/stack-direct';
import { createSocketStack } from '@stack/stack-socket';
import { echoSuite, type EchoPair } from './echo-suite.js';

const hostYield = (): Promise<void> => new Promise((r) => setImmediate(r));

// The same suite on the two stacks an app can choose (`--net direct|socket`).
describe('echo over @stack/stack-direct (two stacks on a simulated link, virtual time)', () => {
  echoSuite(async (): Promise<EchoPair> => {
    const scheduler = new SimScheduler();
    const [a, b] = memoryLink({ scheduler, names: ['srv', 'cli'], latency: 0.05, mtu: 1500 });
    const server = createDirectStack(a, { scheduler, random: new SeededRandom(11) }, { address: '10.0.0.2/24' });
    const client = createDirectStack(b, { scheduler, random: new SeededRandom(12) }, { address: '10.0.0.1/24' });
    return {
      server,
      client,
      address: '10.0.0.2',
      settle: (p) => scheduler.runUntilSettled(p, Infinity, { hostYield }),
      until: async (cond) => {
        if (!scheduler.runUntil(cond)) throw new Error('the condition never held (nothing left to run)');
      },
      async close() {
        await scheduler.runUntilSettled(Promise.all([client.close(), server.close()]), Infinity, { hostYield });
      },
    };
  });
});

describe('echo over @stack/stack-socket (the kernel\'s loopback)', () => {
  echoSuite(async (): Promise<EchoPair> => {
    const server = createSocketStack({ name: 'srv', address: '127.0.0.1' });
    const client = createSocketStack({ name: 'cli', address: '127.0.0.1' });
    return {
      server,
      client,
      address: '127.0.0.1',
      settle: (p) => p,
      until: async (cond) => {
        const end = Date.now() + 10_000;
        while (!cond()) {
          if (Date.now() > end) throw new Error('the condition did not hold within 10 s');
          await new Promise((r) => setTimeout(r, 2));
        }
      },
      async close() {
        await client.close();
        await server.close();
      },
    };
  });
});

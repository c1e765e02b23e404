// The same stacks in real time: @stack/platform-node's timer wheel and crypto
// Random instead of virtual time. Asserts outcomes and cleanup, never durations.
import { describe, expect, it } from 'vitest';
import { CryptoRandom, NodeScheduler, nodeTimerHost, type HostTimer, type TimerHost } from '@stack/platform-node';
import { memoryLink } from '@stack/netif';
import { createDirectStack } from '@stack/stack-direct';

/** Node's real timers, counted: how many of the scheduler's are live right now, and the most ever at once. */
function countingHost(): TimerHost & { live: number; peak: number } {
  const live = new Set<HostTimer>();
  const host = {
    live: 0,
    peak: 0,
    now: () => nodeTimerHost.now(),
    setTimeout(fn: () => void, ms: number): HostTimer {
      const t = nodeTimerHost.setTimeout(() => {
        live.delete(t);
        host.live = live.size;
        fn();
      }, ms);
      live.add(t);
      host.live = live.size;
      host.peak = Math.max(host.peak, live.size);
      return t;
    },
    clearTimeout(t: HostTimer): void {
      nodeTimerHost.clearTimeout(t);
      live.delete(t);
      host.live = live.size;
    },
  };
  return host;
}

describe('stack-direct on the Node platform', () => {
  it('pings and echoes UDP in real time, then leaves no Node timer behind', async () => {
    const host = countingHost();
    const scheduler = new NodeScheduler({ host });
    const [a, b] = memoryLink({ scheduler, names: ['rt.a', 'rt.b'], latency: 0.05 });
    const sa = createDirectStack(a, { scheduler, random: new CryptoRandom() }, { address: '192.0.2.1/24' });
    const sb = createDirectStack(b, { scheduler, random: new CryptoRandom() }, { address: '192.0.2.2/24' });
    sb.udp.bind(7, (d) => sb.udp.send(d.src, d.srcPort, d.data, { srcPort: 7 }));

    const ping = await sa.icmp.ping('192.0.2.2', { timeout: 5000 });
    expect(ping).toMatchObject({ ok: true, ttl: 64 });

    const echoed = await new Promise<string>((resolve) => {
      const sock = sa.udp.bind(0, (d) => resolve(new TextDecoder().decode(d.data)));
      sock.send(sb.address, 7, new TextEncoder().encode('real time'));
    });
    expect(echoed).toBe('real time');
    // The wheel runs one Node timer at most, however many stack timers are pending.
    expect(scheduler.pending()).toBeGreaterThan(0);
    expect(host.peak).toBe(1);

    await sa.close();
    await sb.close();
    expect(scheduler.pending()).toBe(0);
    scheduler.close();
    expect(host.live).toBe(0);
  });
});

// The server side of the `wire` benchmark, one process per stack, started by
// wire.ts inside a network namespace (`ip netns exec`): the echo server of
// apps/echo (RFC 862, TCP and UDP, `serveEcho`) and the iperf3 server of
// ./iperf3 (`serveIperf3`), on @stack's own stack over a TAP (`direct`) or on
// the kernel's through Node's sockets (`socket`). The same code serves both.
//
//   node --expose-gc --conditions=@stack/source --import tsx src/wire/server.ts \
//     direct ADDR/PREFIX TAP MAC OFFLOADS(on|off) | socket ADDR
//
// It prints JSON lines on stdout:
//   {"event":"ready",...}                 once both servers listen
//   {"event":"stats",...}                 on SIGUSR2: counters, CPU time, memory (no collection)
//   {"event":"memory",...}                on SIGHUP: memory after two full collections
//   {"event":"iperf3",...}                after each iperf3 test
//   {"event":"profile",...}               with WIRE_PROFILE=1: SIGWINCH starts the profiler, the next stops it
// SIGTERM closes everything and exits 0.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Stack } from '@stack/interfaces';
import { openTap, type TapDevice } from '@stack/netif-tap';
import { CryptoRandom, NodeScheduler } from '@stack/platform-node';
import { createDirectStack } from '@stack/stack-direct';
import { createSocketStack } from '@stack/stack-socket';
import { serveEcho } from '@stack/echo/server';
import { serveIperf3 } from '../iperf3/index.js';
import { profile } from '../profile.js';
import { ECHO_PORT, IPERF3_PORT, type WireMemory, type WireStats } from './messages.js';

/** Send and receive buffers of our stack's connections (see main). */
const BUFFERS = 4 * 1024 * 1024;

const line = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

async function main(): Promise<void> {
  const [net, address, tapName, mac, offloads] = process.argv.slice(2);
  let stack: Stack;
  let tap: TapDevice | undefined;
  let scheduler: NodeScheduler | undefined;
  if (net === 'direct' && address && tapName && mac && (offloads === 'on' || offloads === 'off')) {
    tap = await openTap({ name: tapName, mac, offloads: offloads === 'on' ? 'auto' : false });
    scheduler = new NodeScheduler();
    // 4 MiB send and receive buffers, as Linux's autotuning reaches (tcp_wmem max 4 MiB, tcp_rmem 6 MiB) for
    // the peers: our default 64 KiB would cap a bulk transfer at 64 KiB per round trip. Storage grows only
    // as data waits (a 64-byte echo holds 64 bytes), so the echo's memory figures are unchanged.
    stack = createDirectStack(tap, { scheduler, random: new CryptoRandom() }, { name: 'wire', address, tcp: { sendBufferSize: BUFFERS, recvBufferSize: BUFFERS } });
  } else if (net === 'socket' && address) {
    stack = createSocketStack({ name: 'wire', address });
  } else {
    process.stderr.write('usage: server.ts direct ADDR/PREFIX TAP MAC on|off | socket ADDR\n');
    process.exit(2);
  }
  const echo = serveEcho(stack, ECHO_PORT);
  const iperf3 = serveIperf3(stack, {
    port: IPERF3_PORT,
    onTest: (s) => line({ event: 'iperf3', test: s.test, reverse: s.reverse, bytesReceived: s.bytesReceived, bytesSent: s.bytesSent, seconds: s.seconds }),
  });
  await iperf3.ready;

  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('SIGUSR2', () => {
    const c = echo.counters;
    const cpu = process.cpuUsage();
    const st = tap?.stats;
    const stats: WireStats = {
      event: 'stats',
      t: performance.now(),
      udpIn: c.udpEchoed + c.udpFailed,
      accepted: c.accepted,
      open: c.open,
      cpuMs: (cpu.user + cpu.system) / 1000,
      runWaitMs: Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1] ?? 0) / 1e6,
      rss: process.memoryUsage.rss(),
      rxFrames: st?.rxFrames ?? 0,
      txFrames: st?.txFrames ?? 0,
      rxDropped: st?.rxDropped ?? 0,
      txDropped: st?.txDropped ?? 0,
      usoOut: st?.usoOut ?? 0,
      udpCoalesced: st?.udpCoalesced ?? 0,
    };
    line(stats);
  });
  process.on('SIGHUP', () => {
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    const memory: WireMemory = { event: 'memory', rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, external: m.external };
    line(memory);
  });
  if (process.env['WIRE_PROFILE'] === '1') {
    // SIGWINCH starts the sampling profiler; the next one stops it and prints the top functions.
    let stop: (() => void) | undefined;
    process.on('SIGWINCH', () => {
      if (stop) {
        stop();
        stop = undefined;
        return;
      }
      const running = new Promise<void>((resolve) => (stop = resolve));
      void profile(() => running, 12).then((r) => line({ event: 'profile', ...r }));
    });
  }
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await iperf3.close();
      await echo.close(500);
      await stack.close();
      scheduler?.close();
      process.exit(0);
    })();
  });
  line({ event: 'ready', net, address: stack.address, capabilities: tap?.capabilities ?? null, gc: gc !== undefined });
}

await main();

// UDP datagrams per second between two @stack stacks over a memory link in
// one process (virtual time: the figure is CPU cost, not link speed), beside
// Node's dgram over the kernel's loopback in the same run.
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { SimScheduler, SeededRandom } from '@stack/sim';
import { memoryLink } from '@stack/netif';
import { createDirectStack } from '@stack/stack-direct';
import type { Row } from './table.js';

const PAYLOAD = 64;
const BATCH = 256;

/** Datagrams/s from one stack to another: send a batch, run the network until idle, repeat. */
function stackToStack(total: number): number {
  const scheduler = new SimScheduler();
  const [a, b] = memoryLink({ scheduler, names: ['a', 'b'], latency: 0 });
  const sa = createDirectStack(a, { scheduler, random: new SeededRandom(1) }, { address: '10.0.0.1/24' });
  const sb = createDirectStack(b, { scheduler, random: new SeededRandom(2) }, { address: '10.0.0.2/24' });
  let received = 0;
  sb.udp.bind(9, () => {
    received++;
  });
  const sock = sa.udp.bind(0, () => {});
  const data = new Uint8Array(PAYLOAD);
  // Resolve ARP first so the loop measures the steady state.
  // (Run until delivered, not until idle: idle would fast-forward virtual
  // time past the ARP entry's lifetime.)
  sock.send(sb.address, 9, data);
  scheduler.runUntil(() => received === 1);
  received = 0;
  const start = performance.now();
  let expected = 0;
  while (received < total) {
    for (let i = 0; i < BATCH; i++) sock.send(sb.address, 9, data);
    expected += BATCH;
    scheduler.runUntil(() => received === expected);
  }
  const seconds = (performance.now() - start) / 1000;
  void sa.close();
  void sb.close();
  return received / seconds;
}

/** Datagrams/s through the kernel: dgram client → dgram server on 127.0.0.1, at most BATCH outstanding. */
async function kernelLoopback(total: number): Promise<number> {
  const server = createSocket('udp4');
  const client = createSocket('udp4');
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r));
  const port = server.address().port;
  const data = Buffer.alloc(PAYLOAD);
  let received = 0;
  let sent = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent - received < BATCH && sent < total + BATCH) {
        sent++;
        client.send(data, port, '127.0.0.1');
      }
    };
    server.on('message', () => {
      received++;
      if (received >= total) resolve();
      else if (sent - received < BATCH / 2) pump();
    });
    // Loopback can drop under a burst; a lost datagram must not stall the window.
    const unstall = setInterval(() => {
      sent = received;
      pump();
    }, 50);
    server.once('close', () => clearInterval(unstall));
    pump();
    void unstall;
  });
  const seconds = (performance.now() - start) / 1000;
  server.close();
  client.close();
  return received / seconds;
}

export async function udpSuite(): Promise<Row[]> {
  stackToStack(50_000); // warm-up
  const ours = Math.max(stackToStack(400_000), stackToStack(400_000));
  await kernelLoopback(20_000);
  const peer = Math.max(await kernelLoopback(200_000), await kernelLoopback(200_000));
  return [
    {
      suite: 'udp',
      what: `datagrams/s, ${PAYLOAD}-byte payload, stack → stack over a memory link (one process)`,
      ours,
      peer,
      peerName: 'Node dgram over kernel loopback',
      unit: 'datagrams/s',
      goal: '≥ 500,000/s',
    },
  ];
}

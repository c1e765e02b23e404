// A user-space stack on a TAP, with Linux on the other side: creates a
// network namespace, opens tap0 inside it from this process, gives the
// kernel side 10.77.0.1/24 and our stack 10.77.0.2/24, pings both ways,
// sends a burst of UDP datagrams (one USO frame), prints the device's
// counters, and deletes the namespace. Needs root.
//   cd /work/main && node --conditions=@stack/source --import tsx packages/netif-tap/examples/basic.ts
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { openTap } from '@stack/netif-tap';
import { CryptoRandom, NodeScheduler } from '@stack/platform-node';
import { createDirectStack } from '@stack/stack-direct';
import { ipv4 } from '@stack/wire';

const ns = `tapdemo-${process.pid}`;
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

ip('netns', 'add', ns);
try {
  const tap = await openTap({ name: 'tap0', netns: ns }); // offloads: 'auto'
  const scheduler = new NodeScheduler();
  const stack = createDirectStack(tap, { scheduler, random: new CryptoRandom() }, { address: '10.77.0.2/24' });
  ip('-n', ns, 'addr', 'add', '10.77.0.1/24', 'dev', 'tap0');
  ip('-n', ns, 'link', 'set', 'tap0', 'up');

  // Linux pings us (asynchronously: our stack answers from this process's event loop)...
  const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', ns, 'ping', '-c1', '-W2', '10.77.0.2']);
  console.log(stdout.split('\n').find((l) => l.includes('bytes from')));
  // ...and we ping Linux.
  const pong = await stack.icmp.ping('10.77.0.1', { timeout: 2000 });
  console.log(pong.ok ? `our ping: reply from 10.77.0.1 in ${pong.rtt.toFixed(2)} ms` : `our ping: ${pong.error}`);

  // Twenty datagrams sent in one tick leave as ONE USO frame that the kernel cuts back into twenty
  // (with offloads on Linux >= 6.2: usoOut 1, udpCoalesced 20 below). Nothing listens on the
  // discard port there, so Linux drops them.
  const sock = stack.udp.bind(0, () => {});
  for (let i = 0; i < 20; i++) sock.send(ipv4('10.77.0.1'), 9, new TextEncoder().encode(`datagram ${i}`.padEnd(16)));
  await new Promise((resolve) => setTimeout(resolve, 50));

  console.log('capabilities', tap.capabilities);
  console.log('stats', tap.stats);
  await stack.close(); // closes the device too
  scheduler.close();
} finally {
  ip('netns', 'del', ns);
}

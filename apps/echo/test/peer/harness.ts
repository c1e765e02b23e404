// Shared by linux.peer.test.ts and scapy.peer.test.ts: a network namespace
// with tap0 opened by this process, @stack's direct stack on it at
// 10.77.0.2/24 and Linux at 10.77.0.1/24 on the kernel side, optionally
// recorded to a pcap file; helpers for connections and counters (hashes are
// in ../hash.ts; waiting and flow helpers come from @stack/testkit).
import type { NetDevice } from '@stack/interfaces';
import { withPcap } from '@stack/netif';
import { openTap, type TapDevice } from '@stack/netif-tap';
import { fileSink, PcapWriter } from '@stack/pcap';
import { CryptoRandom, NodeScheduler } from '@stack/platform-node';
import { createDirectStack, type DirectStack, type DirectStackOptions } from '@stack/stack-direct';
import type { TcpConnectionInfo } from '@stack/tcp';
import { withNetns, type Netns } from '@stack/testkit';
import { wallClock } from '../../src/stack.js';

/** Linux's side of the TAP and ours. */
export const KERNEL_IP = '10.77.0.1';
export const OUR_IP = '10.77.0.2';

/**
 * The Python that has scapy: Debian's python3-scapy installs for
 * /usr/bin/python3 (tooling/peers/install.sh), which a pyenv or venv
 * `python3` earlier on PATH would not see.
 */
export const PYTHON = '/usr/bin/python3';

/** What a peer world is built with. */
export interface PeerWorldOptions {
  /** TAP offloads (checksum, TSO/GSO): default 'auto', as the echo app opens it. */
  offloads?: boolean | 'auto';
  /** TCP layer config of our stack (connection defaults and layer limits). */
  tcp?: DirectStackOptions['tcp'];
  /** IPv4 config of our stack beside the address. */
  ipv4?: DirectStackOptions['ipv4'];
  /** Our default gateway (to reach a namespace routed behind Linux's side of the TAP). */
  gateway?: string;
  /** Record every frame our stack sends and receives to this pcap file (wall-clock timestamps). */
  pcap?: string;
}

/** A namespace with Linux on one side of tap0 and our stack on the other. */
export interface PeerWorld {
  readonly ns: Netns;
  readonly tap: TapDevice;
  readonly stack: DirectStack;
}

/**
 * Builds the world, runs `fn`, and ALWAYS tears it down: the stack (and
 * with it the TAP), the scheduler, the pcap file, then (withNetns) every
 * process started in the namespace, by pid, and the namespace itself.
 */
export async function withPeerStack<T>(options: PeerWorldOptions, fn: (w: PeerWorld) => Promise<T>): Promise<T> {
  return withNetns(
    async (ns) => {
      const tap = await openTap({ name: 'tap0', netns: ns.name, offloads: options.offloads ?? 'auto' });
      const scheduler = new NodeScheduler();
      let pcap: PcapWriter | undefined;
      let stack: DirectStack | undefined;
      try {
        let device: NetDevice = tap;
        if (options.pcap !== undefined) {
          pcap = new PcapWriter(fileSink(options.pcap));
          device = withPcap(tap, pcap, { scheduler: wallClock(scheduler) });
        }
        stack = createDirectStack(
          device,
          { scheduler, random: new CryptoRandom() },
          {
            name: 'peer',
            address: `${OUR_IP}/24`,
            ...(options.gateway === undefined ? {} : { gateway: options.gateway }),
            ...(options.tcp === undefined ? {} : { tcp: options.tcp }),
            ...(options.ipv4 === undefined ? {} : { ipv4: options.ipv4 }),
          },
        );
        await ns.ip('link', 'set', 'tap0', 'mtu', String(tap.mtu));
        await ns.addr('tap0', `${KERNEL_IP}/24`);
        await ns.up('tap0');
        return await fn({ ns, tap, stack });
      } finally {
        if (stack !== undefined) await stack.close();
        else await tap.close();
        pcap?.close();
        scheduler.close();
      }
    },
    { prefix: 'echopeer' },
  );
}

/** A connection as `stack.inspect().tcp.connections` lists it: the engine's snapshot with both ends as text. */
export type ConnSnapshot = Omit<TcpConnectionInfo, 'localPort' | 'remotePort'> & { readonly local: string; readonly remote: string };

/** The connections of our stack (listeners left out) whose remote end is `remote` ('10.77.0.1:20001') or any when omitted. */
export function connections(stack: DirectStack, remote?: string): ConnSnapshot[] {
  return stack
    .inspect()
    .tcp.connections.filter((c) => c.remote !== '*' && (remote === undefined || c.remote === remote)) as unknown as ConnSnapshot[];
}

/** The one connection to `remote` (throws when there is not exactly one). */
export function connection(stack: DirectStack, remote: string): ConnSnapshot {
  const found = connections(stack, remote);
  if (found.length !== 1) throw new Error(`expected one connection to ${remote}, found ${found.length}: ${JSON.stringify(stack.inspect().tcp.connections)}`);
  return found[0]!;
}

/** A counter of Linux's TCP MIB in the namespace (/proc/net/snmp, e.g. 'RetransSegs'). */
export async function linuxTcpMib(ns: Netns, name: string): Promise<number> {
  const text = (await ns.exec('cat', ['/proc/net/snmp'])).stdout;
  const lines = text.split('\n').filter((l) => l.startsWith('Tcp:'));
  const keys = (lines[0] ?? '').split(/\s+/);
  const values = (lines[1] ?? '').split(/\s+/);
  const i = keys.indexOf(name);
  if (i < 0) throw new Error(`no Tcp ${name} in /proc/net/snmp`);
  return Number(values[i]);
}

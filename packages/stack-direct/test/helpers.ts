import { needPeer, peersRequired, tsharkCheck } from '@stack/testkit';
import { expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimNetwork } from '@stack/sim';
import { PcapngWriter, memorySink, type MemorySink } from '@stack/pcap';
import type { AttachOptions } from '@stack/sim';
import { createDirectStack, type DirectStack } from '@stack/stack-direct';
export { pattern, sha256 } from './data.js';

/** Where tests leave their captures for tshark (see pcap.peer.test.ts). */
export const PCAP_DIR = join(import.meta.dirname, '..', '..', '..', '.tmp', 'pcaps', 'stack-direct');

/** A simulated network of direct stacks on one learning bridge, captured to pcapng. */
export interface TestNet {
  readonly net: SimNetwork;
  readonly stacks: DirectStack[];
  readonly pcap: MemorySink;
  /** Closes stacks and network; returns what the scheduler still holds (must be 0). */
  close(): Promise<number>;
}

export function bridgeNet(seed: number, hosts: number, attach: AttachOptions = {}): TestNet {
  const net = new SimNetwork({ seed });
  const pcap = memorySink();
  net.capture(new PcapngWriter(pcap));
  const br = net.bridge('br0');
  const stacks: DirectStack[] = [];
  for (let i = 1; i <= hosts; i++) {
    const name = `h${i}`;
    const dev = net.attach(name, br, attach);
    stacks.push(createDirectStack(dev, { scheduler: net.scheduler, random: net.randomFor(name) }, { name, address: `10.0.0.${i}/24` }));
  }
  return {
    net,
    stacks,
    pcap,
    async close() {
      for (const s of stacks) await s.close();
      await net.close();
      return net.scheduler.pending();
    },
  };
}

/** Keeps a capture for the tshark ring: `.tmp/pcaps/stack-direct/<name>.pcapng`. */
export function keepPcap(name: string, bytes: Uint8Array): string {
  mkdirSync(PCAP_DIR, { recursive: true });
  const path = join(PCAP_DIR, `${name}.pcapng`);
  writeFileSync(path, bytes);
  return path;
}



/**
 * Has tshark dissect every capture a test kept and asserts it found packets,
 * no malformed frame and no bad checksum (IPv4, UDP, TCP, ICMP). tshark is a real
 * peer: missing, it fails CI (CI=true) and skips with a warning elsewhere.
 */
export async function expectCleanCaptures(paths: readonly string[]): Promise<void> {
  const check = needPeer(['tshark']);
  if (!check.ok) {
    if (peersRequired()) throw new Error(`tshark is needed to check ${paths.length} captures: ${check.reason}`);
    console.warn(`skipping the tshark check of ${paths.length} captures: ${check.reason}`);
    return;
  }
  expect(paths.length).toBeGreaterThan(0);
  for (const path of paths) {
    const report = await tsharkCheck(path);
    expect(report.packets, path).toBeGreaterThan(0);
    expect(report.malformed, path).toEqual([]);
    expect(report.badChecksums, path).toEqual([]);
  }
}

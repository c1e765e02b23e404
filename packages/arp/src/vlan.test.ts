// ARP over @stack/ethif in an 802.1Q VLAN: what comes in tagged is answered tagged.
import { describe, expect, it } from 'vitest';
import { plainCapabilities, type FrameHandler, type NetDevice } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { ipv4, toHex } from '@stack/wire';
import { createEthernet, emitEthernet, parseEthernet, type EthernetRepr } from '@stack/ethif';
import { createArp } from './layer.js';
import { parseArp } from './wire/arp.js';
import { linuxFixture } from './fixtures/linux.js';

const LINUX_A = 0x020000005101; // 10.77.51.1, asks
const LINUX_B = 0x020000005102; // 10.77.51.2, us
const BCAST = 0xffffffffffff;

/** A device that records copies of what is sent and lets the test hand frames in. */
class RecordingDevice implements NetDevice {
  readonly name = 'vlan-test0';
  readonly mtu = 1500;
  readonly capabilities = plainCapabilities(1500);
  readonly stats = { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0 };
  readonly sent: Uint8Array[] = [];
  private handler: FrameHandler | undefined;
  constructor(readonly mac: number) {}
  transmit(frame: Uint8Array): boolean {
    this.sent.push(frame.slice());
    return true;
  }
  onReceive(handler: FrameHandler): void {
    this.handler = handler;
  }
  deliver(frame: Uint8Array): void {
    this.handler?.(frame, { checksumVerified: false, checksumPartial: false });
  }
  async close(): Promise<void> {}
}

function frame(header: EthernetRepr, payload: Uint8Array): Uint8Array {
  const buf = new Uint8Array((header.vlan ? 18 : 14) + payload.length);
  buf.set(payload, emitEthernet(header, buf));
  return buf;
}

function host(vlan: number | undefined) {
  const scheduler = new SimScheduler();
  const device = new RecordingDevice(LINUX_B);
  const eth = createEthernet(device, { scheduler }, vlan === undefined ? {} : { vlan });
  const arp = createArp(eth, { scheduler, random: new SeededRandom(3) }, { address: ipv4('10.77.51.2') });
  return { scheduler, device, eth, arp };
}

describe('ARP in an 802.1Q VLAN (over @stack/ethif)', () => {
  it('answers a request tagged with VLAN 100 with a reply tagged with VLAN 100', () => {
    const { device, eth, arp } = host(100);
    // Linux's own request (who-has 10.77.51.2 tell 10.77.51.1), as it would arrive on VLAN 100 with priority 5
    const request = linuxFixture('linux-arp.hex', 'request');
    device.deliver(frame({ dst: BCAST, src: LINUX_A, etherType: 0x0806, vlan: { pcp: 5, dei: false, vid: 100 } }, request));
    expect(arp.stats.repliesSent).toBe(1);
    expect(device.sent).toHaveLength(1);
    const out = device.sent[0]!;
    expect(parseEthernet(out)).toEqual({ ok: true, value: { dst: LINUX_A, src: LINUX_B, etherType: 0x0806, vlan: { pcp: 0, dei: false, vid: 100 } } });
    // the ARP reply is byte for byte the one Linux sent, after the 18-byte tagged header, padded to 64
    expect(out.length).toBe(64);
    expect(toHex(out.subarray(18, 46))).toBe(toHex(linuxFixture('linux-arp.hex', 'reply').subarray(0, 28)));
    expect(toHex(out.subarray(46))).toBe('00'.repeat(18));
    expect(arp.lookup(ipv4('10.77.51.1'))).toBe(LINUX_A);
    expect(eth.stats.dropped.vlan).toBe(0);
  });

  it('a host in VLAN 100 ignores untagged requests and other VLANs; an untagged host ignores VLAN 100', () => {
    const request = linuxFixture('linux-arp.hex', 'request');
    const inVlan = host(100);
    inVlan.device.deliver(frame({ dst: BCAST, src: LINUX_A, etherType: 0x0806 }, request));
    inVlan.device.deliver(frame({ dst: BCAST, src: LINUX_A, etherType: 0x0806, vlan: { pcp: 0, dei: false, vid: 200 } }, request));
    expect(inVlan.device.sent).toHaveLength(0);
    expect(inVlan.arp.stats.rx).toBe(0);
    expect(inVlan.eth.stats.dropped.vlan).toBe(2);

    const untagged = host(undefined);
    untagged.device.deliver(frame({ dst: BCAST, src: LINUX_A, etherType: 0x0806, vlan: { pcp: 0, dei: false, vid: 100 } }, request));
    expect(untagged.device.sent).toHaveLength(0);
    untagged.device.deliver(frame({ dst: BCAST, src: LINUX_A, etherType: 0x0806 }, request));
    expect(untagged.device.sent).toHaveLength(1);
    expect(untagged.device.sent[0]!.length).toBe(60); // untagged reply, padded to 60
    expect(parseEthernet(untagged.device.sent[0]!)).toEqual({ ok: true, value: { dst: LINUX_A, src: LINUX_B, etherType: 0x0806 } });
  });

  it('resolution we start goes out tagged too, and the tagged reply completes it', () => {
    const { scheduler, device, arp } = host(100);
    expect(arp.write(ipv4('10.77.51.1'), 0x0800, 20, (b) => b.fill(0x45, 0, 1))).toBe(true);
    const req = device.sent[0]!;
    const eth = parseEthernet(req);
    expect(eth).toMatchObject({ ok: true, value: { dst: BCAST, etherType: 0x0806, vlan: { vid: 100 } } });
    expect(parseArp(req.subarray(18))).toMatchObject({ ok: true, value: { operation: 1, targetIp: ipv4('10.77.51.1') } });
    // Linux's reply to A's request, swapped round: 10.77.51.1 is-at 02:..:51:01, to us
    const reply = Uint8Array.from(linuxFixture('linux-arp.hex', 'request').subarray(0, 28));
    reply.set([0, 2], 6); // operation: reply
    reply.set(req.subarray(18 + 8, 18 + 18), 18); // target: us (our MAC and IP)
    device.deliver(frame({ dst: LINUX_B, src: LINUX_A, etherType: 0x0806, vlan: { pcp: 0, dei: false, vid: 100 } }, reply));
    scheduler.runFor(1);
    expect(arp.lookup(ipv4('10.77.51.1'))).toBe(LINUX_A);
    const ip = device.sent[1]!;
    expect(parseEthernet(ip)).toEqual({ ok: true, value: { dst: LINUX_A, src: LINUX_B, etherType: 0x0800, vlan: { pcp: 0, dei: false, vid: 100 } } });
    expect(ip.length).toBe(64); // 18 + 20, padded
    expect(ip[18]).toBe(0x45);
  });
});

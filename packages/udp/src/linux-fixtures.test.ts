// A UDP datagram captured from Linux (src/fixtures/linux-udp.hex says how):
// our codec reads it and re-encodes it byte for byte, our layer delivers it,
// and our socket sends exactly the bytes Linux sent.
import { describe, expect, it } from 'vitest';
import type { IcmpErrorKind, UdpDatagram } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { readU32, toHex } from '@stack/wire';
import { FakeIp } from '@stack/testkit/fake-ip';
import { linuxFixture } from './fixtures/linux.js';
import { createUdp } from './layer.js';
import { emitUdp, parseUdp, UdpView } from './wire/udp.js';

const packet = linuxFixture('linux-udp.hex', 'ip-packet');
const src = readU32(packet, 12);
const dst = readU32(packet, 16);
const udp = packet.subarray((packet[0]! & 0x0f) * 4);
const hello = new TextEncoder().encode('hello\n');

describe('Linux UDP fixture', () => {
  it('decodes nc\'s datagram and its checksum verifies against the pseudo-header', () => {
    const r = parseUdp(udp, src, dst);
    expect(r.ok && r.value).toMatchObject({ srcPort: 40000, dstPort: 5555, length: 14 });
    expect(r.ok && r.value.checksum).not.toBe(0);
    const v = UdpView.checked(udp, src, dst);
    expect(v.ok && toHex(v.value.payload)).toBe(toHex(hello));
  });

  it('re-encodes byte for byte', () => {
    const out = new Uint8Array(14);
    emitUdp({ srcPort: 40000, dstPort: 5555, length: 14 }, out, 0, { src, dst, payload: hello });
    expect(toHex(out)).toBe(toHex(udp));
  });

  it('re-encodes at an offset into a larger buffer, touching nothing around it', () => {
    const before = 13;
    const buf = new Uint8Array(before + 14 + 11).fill(0xa5);
    expect(emitUdp({ srcPort: 40000, dstPort: 5555, length: 14 }, buf, before, { src, dst, payload: hello })).toBe(14);
    expect(toHex(buf.subarray(before, before + 14))).toBe(toHex(udp));
    expect(buf.subarray(0, before).every((b) => b === 0xa5)).toBe(true);
    expect(buf.subarray(before + 14).every((b) => b === 0xa5)).toBe(true);
  });

  it('is delivered to the socket on 5555', () => {
    const ip = new FakeIp(dst);
    const layer = createUdp(ip, { scheduler: new SimScheduler(), random: new SeededRandom(1) });
    const got: UdpDatagram[] = [];
    layer.bind(5555, (d) => got.push({ ...d, data: d.data.slice() }));
    ip.deliver(packet);
    expect(got).toEqual([{ data: hello, src, srcPort: 40000, dst, dstPort: 5555, ttl: packet[8] }]);
  });

  it('our socket on 40000 sends the same bytes nc did', () => {
    const ip = new FakeIp(src);
    const layer = createUdp(ip, { scheduler: new SimScheduler(), random: new SeededRandom(1) });
    expect(layer.bind(40000, () => {}).send(dst, 5555, hello)).toBeNull();
    expect(toHex(ip.written[0]!.bytes)).toBe(toHex(udp));
  });

  it('with nothing on 5555 it asks ICMP for port unreachable quoting the datagram', () => {
    const ip = new FakeIp(dst);
    const sent: [IcmpErrorKind, string][] = [];
    createUdp(ip, { scheduler: new SimScheduler(), random: new SeededRandom(1), icmp: { sendError: (k, o) => (sent.push([k, toHex(o)]), true) } });
    ip.deliver(packet);
    expect(sent).toEqual([['port-unreachable', toHex(packet)]]);
  });
});

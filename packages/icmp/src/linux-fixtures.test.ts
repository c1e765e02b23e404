// Packets captured from Linux (src/fixtures/linux-*.hex say how): our codec
// reads them, re-encodes them byte for byte, and the layer answers them with
// the bytes Linux itself sent.
import { describe, expect, it } from 'vitest';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { checksumValid, readU16, readU32, toHex } from '@stack/wire';
import { FakeIp } from '@stack/testkit/fake-ip';
import { linuxFixture } from './fixtures/linux.js';
import { createIcmp } from './layer.js';
import { emitIcmp, icmpBufferLen, parseIcmp } from './wire/icmp.js';
import { parseQuotedDatagram } from './wire/quoted.js';

const request = linuxFixture('linux-echo-request.hex', 'icmp');
const requestPacket = linuxFixture('linux-echo-request.hex', 'ip-packet');
const reply = linuxFixture('linux-echo-reply.hex', 'icmp');
const unreachPacket = linuxFixture('linux-port-unreachable.hex', 'ip-packet');
const srcOf = (p: Uint8Array) => readU32(p, 12);
const dstOf = (p: Uint8Array) => readU32(p, 16);

function reencode(bytes: Uint8Array): string {
  const r = parseIcmp(bytes);
  if (!r.ok) throw new Error(r.error.message);
  const out = new Uint8Array(icmpBufferLen(r.value));
  emitIcmp(r.value, out);
  return toHex(out);
}

/** Re-encodes at an odd offset into a larger marked buffer; checks nothing around the message changed. */
function reencodeAtOffset(bytes: Uint8Array): string {
  const r = parseIcmp(bytes);
  if (!r.ok) throw new Error(r.error.message);
  const len = icmpBufferLen(r.value);
  const before = 13;
  const buf = new Uint8Array(before + len + 11).fill(0xa5);
  expect(emitIcmp(r.value, buf, before)).toBe(len);
  expect(buf.subarray(0, before).every((b) => b === 0xa5)).toBe(true);
  expect(buf.subarray(before + len).every((b) => b === 0xa5)).toBe(true);
  return toHex(buf.subarray(before, before + len));
}

describe('Linux ICMP fixtures: codec', () => {
  it('decodes ping\'s echo request and re-encodes it byte for byte', () => {
    const r = parseIcmp(request);
    expect(r.ok && r.value.kind).toBe('echo-request');
    expect(r.ok && r.value.kind === 'echo-request' && r.value.data.length).toBe(56);
    expect(reencode(request)).toBe(toHex(request));
  });

  it('the kernel\'s echo reply carries the request\'s id, seq and data', () => {
    const q = parseIcmp(request);
    const a = parseIcmp(reply);
    expect(a.ok && a.value.kind).toBe('echo-reply');
    if (!q.ok || !a.ok || q.value.kind !== 'echo-request' || a.value.kind !== 'echo-reply') return;
    expect([a.value.id, a.value.seq, toHex(a.value.data)]).toEqual([q.value.id, q.value.seq, toHex(q.value.data)]);
    expect(reencode(reply)).toBe(toHex(reply));
  });

  it('decodes the kernel\'s port unreachable and the UDP datagram it quotes', () => {
    const icmp = unreachPacket.subarray((unreachPacket[0]! & 0x0f) * 4);
    const r = parseIcmp(icmp);
    expect(r.ok && r.value).toMatchObject({ kind: 'destination-unreachable', code: 3, mtu: 0 });
    if (!r.ok || r.value.kind !== 'destination-unreachable') return;
    const q = parseQuotedDatagram(r.value.quoted);
    expect(q.ok && q.value).toMatchObject({ src: dstOf(unreachPacket), dst: srcOf(unreachPacket), protocol: 17, headerLength: 20 });
    expect(q.ok && readU16(q.value.transport, 2)).toBe(9);
    expect(reencode(icmp)).toBe(toHex(icmp));
  });
});

describe('Linux ICMP fixtures: encode at an offset', () => {
  it('re-encodes every Linux message at an offset into a larger buffer, touching nothing around it', () => {
    const unreach = unreachPacket.subarray((unreachPacket[0]! & 0x0f) * 4);
    for (const msg of [request, reply, unreach]) expect(reencodeAtOffset(msg)).toBe(toHex(msg));
  });
});

describe('Linux ICMP fixtures: the layer', () => {
  const deps = () => ({ scheduler: new SimScheduler(), random: new SeededRandom(1) });

  it('answers Linux\'s echo request with exactly the reply Linux sent', () => {
    const ip = new FakeIp(dstOf(requestPacket));
    createIcmp(ip, deps());
    ip.deliver(requestPacket);
    expect(ip.written).toHaveLength(1);
    expect(ip.written[0]!.dst).toBe(srcOf(requestPacket));
    expect(toHex(ip.written[0]!.bytes)).toBe(toHex(reply));
  });

  it('sends the same port unreachable Linux sent about the same datagram', () => {
    const linuxIcmp = unreachPacket.subarray(20);
    const offending = linuxIcmp.subarray(8); // Linux quoted all of it: it was small
    const ip = new FakeIp(dstOf(offending));
    const icmp = createIcmp(ip, deps());
    expect(icmp.sendError('port-unreachable', offending)).toBe(true);
    const w = ip.written[0]!;
    expect([w.dst, w.options?.src, w.options?.tos]).toEqual([srcOf(offending), dstOf(offending), unreachPacket[1]]);
    expect(toHex(w.bytes)).toBe(toHex(linuxIcmp));
    expect(checksumValid(w.bytes)).toBe(true);
  });

  it('hands Linux\'s port unreachable to UDP as an IpErrorInfo', () => {
    const quoted = unreachPacket.subarray(28);
    const ip = new FakeIp(readU32(quoted, 12));
    const icmp = createIcmp(ip, deps());
    const seen: unknown[] = [];
    ip.register(17, { input() {}, error: (e) => seen.push(e) });
    ip.deliver(unreachPacket);
    expect(icmp.stats.dropped['checksum']).toBe(0);
    expect(seen).toEqual([{
      kind: 'unreachable', code: 3, reporter: srcOf(unreachPacket), mtu: 0,
      src: readU32(quoted, 12), dst: readU32(quoted, 16), protocol: 17, quoted: quoted.subarray(20),
    }]);
  });
});

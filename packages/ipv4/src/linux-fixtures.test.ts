// Packets captured from Linux (see the comments in src/fixtures/linux-*.hex
// for the exact commands): our codec, reassembly and fragmentation checked
// against what a real kernel sends.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { bytesEqual, checksumValid, fromHex, ipv4, parseCidr, toHex } from '@stack/wire';
import { createIpv4 } from './layer.js';
import { Reassembler } from './reassembly.js';
import { emitIpv4Header, parseIpv4Header, type Ipv4Repr } from './wire/header.js';
import { FakeArp, FakeEthernet } from './fixtures/fakes.js';

function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

/** Packets of a multi-packet fixture: each starts after a `# ---` line. */
function packets(name: string): Uint8Array[] {
  return fixture(name)
    .split(/^# ---.*$/m)
    .slice(1)
    .map((part) => fromHex(part));
}

const PING = fromHex(fixture('linux-ping.hex'));
const RR = fromHex(fixture('linux-ping-rr.hex'));
const FRAGS = packets('linux-ping-3000-fragments.hex');
const SRC = ipv4('10.77.41.1');
const DST = ipv4('10.77.41.2');

/**
 * Emits `repr`'s header at an odd offset into a larger buffer filled with a
 * marker, checks that no byte around it changed, and returns the header.
 */
function emitAtOffset(repr: Ipv4Repr): string {
  const before = 13;
  const after = 11;
  const buf = new Uint8Array(before + repr.headerLength + after).fill(0xa5);
  expect(emitIpv4Header(repr, buf, before)).toBe(repr.headerLength);
  expect(buf.subarray(0, before).every((b) => b === 0xa5)).toBe(true);
  expect(buf.subarray(before + repr.headerLength).every((b) => b === 0xa5)).toBe(true);
  return toHex(buf.subarray(before, before + repr.headerLength));
}

function parsed(bytes: Uint8Array): Ipv4Repr {
  const r = parseIpv4Header(bytes);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('Linux fixtures', () => {
  it('decodes a Linux ping and re-encodes its header byte for byte', () => {
    const h = parsed(PING);
    expect(h).toEqual({
      src: SRC,
      dst: DST,
      protocol: 1,
      ttl: 64,
      tos: 0,
      identification: 0x639a,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
      payloadLength: 64,
      headerLength: 20,
    });
    const out = new Uint8Array(20);
    emitIpv4Header(h, out);
    expect(toHex(out)).toBe(toHex(PING.subarray(0, 20)));
  });

  it('decodes the record-route header of `ping -R` and skips its options', () => {
    const h = parsed(RR);
    expect(h.headerLength).toBe(60);
    expect(h.payloadLength).toBe(64);
    expect(toHex(h.options!.subarray(0, 4))).toBe('01072708');
    // The ICMP message after the options is intact: Linux's checksum verifies.
    expect(checksumValid(RR, 60, RR.length)).toBe(true);
    const out = new Uint8Array(60);
    emitIpv4Header(h, out);
    expect(toHex(out)).toBe(toHex(RR.subarray(0, 60)));
    // The RR option's length byte pushed one past the header: malformed.
    const bad = RR.slice();
    bad[22] = 40;
    expect(parseIpv4Header(bad, { checksum: 'ignore' })).toMatchObject({ ok: false, error: { kind: 'malformed', offset: 22 } });
  });

  it('re-encodes every Linux header at an offset into a larger buffer, touching nothing around it', () => {
    for (const pkt of [PING, RR, ...FRAGS]) {
      const h = parsed(pkt);
      expect(emitAtOffset(h)).toBe(toHex(pkt.subarray(0, h.headerLength)));
    }
  });

  it('decodes the fragments of `ping -s 3000`', () => {
    expect(FRAGS.map((f) => {
      const h = parsed(f);
      return [h.identification, h.fragmentOffset, h.moreFragments, h.payloadLength];
    })).toEqual([
      [0x639b, 0, true, 1480],
      [0x639b, 1480, true, 1480],
      [0x639b, 2960, false, 48],
    ]);
  });

  it('reassembles them in every order into the ICMP message Linux checksummed', () => {
    const orders = [
      [0, 1, 2],
      [0, 2, 1],
      [1, 0, 2],
      [1, 2, 0],
      [2, 0, 1],
      [2, 1, 0],
    ];
    const results = orders.map((order) => {
      const r = new Reassembler({ maxDatagrams: 4, maxBytes: 1 << 16, timeout: 1000, maxDatagramSize: 65_535 });
      let out: Uint8Array | undefined;
      for (const i of order) {
        const res = r.add(FRAGS[i]!, 0, false);
        if (res.status === 'complete') out = res.packet;
      }
      return out!;
    });
    const whole = results[0]!;
    expect(whole.length).toBe(3028);
    expect(parsed(whole)).toMatchObject({ identification: 0x639b, moreFragments: false, fragmentOffset: 0, payloadLength: 3008 });
    // The ICMP checksum covers all 3008 bytes: it verifies only if every byte is in place.
    expect(checksumValid(whole, 20, whole.length)).toBe(true);
    for (const r of results) expect(bytesEqual(r, whole)).toBe(true);
  });

  it('delivers the reassembled ping through the layer', () => {
    const eth = new FakeEthernet();
    const sched = new SimScheduler();
    const ip = createIpv4(eth, new FakeArp(), { scheduler: sched, random: new SeededRandom(1) }, { address: parseCidr('10.77.41.2/24') });
    const got: Uint8Array[] = [];
    ip.register(1, { input: (payload) => got.push(payload.slice()) });
    for (const f of FRAGS) eth.deliver(f);
    expect(got).toHaveLength(1);
    expect(got[0]!.length).toBe(3008);
    expect(ip.stats).toMatchObject({ fragmentsIn: 3, reassembled: 1 });
    ip.close();
    expect(sched.pending()).toBe(0);
  });

  it('fragments the same message exactly as Linux does (but for id and checksum)', () => {
    const icmp = new Reassembler({ maxDatagrams: 1, maxBytes: 1 << 16, timeout: 1, maxDatagramSize: 65_535 });
    let whole: Uint8Array | undefined;
    for (const f of FRAGS) {
      const r = icmp.add(f, 0, false);
      if (r.status === 'complete') whole = r.packet;
    }
    const message = whole!.subarray(20);
    const arp = new FakeArp();
    const ip = createIpv4(new FakeEthernet(1500), arp, { scheduler: new SimScheduler(), random: new SeededRandom(1) }, { address: parseCidr('10.77.41.1/24') });
    expect(ip.write(DST, 1, message.length, (buf) => buf.set(message))).toBeNull();
    expect(arp.writes).toHaveLength(3);
    arp.writes.forEach((w, i) => {
      const ours = w.bytes.slice();
      const linux = FRAGS[i]!.slice();
      for (const b of [ours, linux]) b.fill(0, 4, 6).fill(0, 10, 12); // identification, checksum
      expect(toHex(ours)).toBe(toHex(linux));
    });
  });
});

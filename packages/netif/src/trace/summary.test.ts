import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, parseIpv4, writeU16 } from '@stack/wire';
import { BROADCAST, arp, ethernet, icmpEcho, ipv4, tcp, udp } from '../../test/frames.js';
import { summarizeFrame } from './summary.js';

const M1 = 0x020000000001;
const M2 = 0x020000000002;
const A = parseIpv4('10.0.0.1')!;
const B = parseIpv4('10.0.0.2')!;
const ip = (proto: number, payload: Uint8Array, opts = {}): Uint8Array => ethernet(M2, M1, 0x0800, ipv4(A, B, proto, payload, opts));

describe('summarizeFrame', () => {
  it('ARP request and reply', () => {
    expect(summarizeFrame(ethernet(BROADCAST, M1, 0x0806, arp(1, M1, A, 0, B)))).toBe(
      '02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1',
    );
    expect(summarizeFrame(ethernet(M1, M2, 0x0806, arp(2, M2, B, M1, A)))).toBe(
      '02:00:00:00:00:02 > 02:00:00:00:00:01 ARP reply 10.0.0.2 is-at 02:00:00:00:00:02',
    );
  });

  it('ICMP echo, unreachable, time exceeded', () => {
    expect(summarizeFrame(ip(1, icmpEcho(8, 1, 1, 56)))).toBe(
      '02:00:00:00:00:01 > 02:00:00:00:00:02 IP 10.0.0.1 > 10.0.0.2: ICMP echo request id 1 seq 1 len 64',
    );
    expect(summarizeFrame(ip(1, icmpEcho(0, 7, 300, 0)))).toContain('ICMP echo reply id 7 seq 300 len 8');
    const unreach = fromHex('0304 0000 0000 05dc');
    expect(summarizeFrame(ip(1, unreach))).toContain('ICMP need-frag unreachable mtu 1500 len 8');
    expect(summarizeFrame(ip(1, fromHex('0303 0000 0000 0000')))).toContain('ICMP port unreachable');
    expect(summarizeFrame(ip(1, fromHex('0b00 0000 0000 0000')))).toContain('ICMP time exceeded in-transit');
    expect(summarizeFrame(ip(1, fromHex('0d00 0000 0000 0000')))).toContain('ICMP type 13 code 0 len 8');
  });

  it('UDP and TCP with ports', () => {
    expect(summarizeFrame(ip(17, udp(49152, 7, fromHex('68656c6c6f'))))).toBe(
      '02:00:00:00:00:01 > 02:00:00:00:00:02 IP 10.0.0.1.49152 > 10.0.0.2.7: UDP len 5',
    );
    expect(summarizeFrame(ip(6, tcp(40000, 80, 1000, 0, 0x02)))).toContain('IP 10.0.0.1.40000 > 10.0.0.2.80: TCP [S] seq 1000 win 65535 len 0');
    expect(summarizeFrame(ip(6, tcp(80, 40000, 5, 1001, 0x12)))).toContain('TCP [S.] seq 5 ack 1001 win 65535 len 0');
    expect(summarizeFrame(ip(6, tcp(1, 2, 3, 4, 0x18, new Uint8Array(10))))).toContain('TCP [P.] seq 3 ack 4 win 65535 len 10');
    expect(summarizeFrame(ip(47, new Uint8Array(12)))).toContain('IP 10.0.0.1 > 10.0.0.2: proto 47 len 12');
  });

  it('fragments', () => {
    const first = ip(17, udp(1, 2, new Uint8Array(1472)), { id: 123, more: true });
    expect(summarizeFrame(first)).toContain('IP 10.0.0.1.1 > 10.0.0.2.2: UDP len 1472 frag id 123 off 0+');
    expect(summarizeFrame(ip(17, new Uint8Array(100), { id: 123, offset: 1480, more: true }))).toContain(
      'IP 10.0.0.1 > 10.0.0.2: UDP frag id 123 off 1480+',
    );
    expect(summarizeFrame(ip(17, new Uint8Array(100), { id: 123, offset: 2960 }))).toMatch(/frag id 123 off 2960$/);
  });

  it('VLAN tags and unknown EtherTypes', () => {
    const tagged = ethernet(BROADCAST, M1, 0x8100, 4 + 28);
    writeU16(tagged, 14, 42);
    writeU16(tagged, 16, 0x0806);
    tagged.set(arp(1, M1, A, 0, B), 18);
    expect(summarizeFrame(tagged)).toBe('02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff vlan 42 ARP who-has 10.0.0.2 tell 10.0.0.1');
    expect(summarizeFrame(ethernet(BROADCAST, M1, 0x86dd, 40))).toMatch(/ethertype 0x86dd len 40$/);
  });

  it('says malformed instead of guessing', () => {
    expect(summarizeFrame(new Uint8Array(5))).toBe('malformed (5-byte frame)');
    expect(summarizeFrame(ethernet(BROADCAST, M1, 0x0806, 10))).toMatch(/ARP malformed$/);
    expect(summarizeFrame(ethernet(BROADCAST, M1, 0x0800, 10))).toMatch(/IP malformed$/);
    const badIhl = ip(17, udp(1, 2, new Uint8Array(4)));
    badIhl[14] = 0x43;
    expect(summarizeFrame(badIhl)).toMatch(/IP malformed$/);
    const longer = ip(17, udp(1, 2, new Uint8Array(4)));
    writeU16(longer, 16, 200); // total length past the frame
    expect(summarizeFrame(longer)).toMatch(/IP malformed$/);
    expect(summarizeFrame(ip(17, new Uint8Array(4)))).toMatch(/UDP malformed$/);
    expect(summarizeFrame(ip(6, new Uint8Array(19)))).toMatch(/TCP malformed$/);
    expect(summarizeFrame(ethernet(BROADCAST, M1, 0x8100, 2))).toMatch(/vlan malformed$/);
  });

  it('never throws on random or mutated frames', () => {
    const valid = [
      ethernet(BROADCAST, M1, 0x0806, arp(1, M1, A, 0, B)),
      ip(1, icmpEcho(8, 1, 1, 20)),
      ip(17, udp(1, 2, new Uint8Array(9))),
      ip(6, tcp(1, 2, 3, 4, 0x10, new Uint8Array(3))),
      ip(17, new Uint8Array(30), { offset: 8, more: true }),
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        expect(typeof summarizeFrame(bytes)).toBe('string');
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }), fc.nat(200), (frame, flips, cut) => {
        const f = frame.slice(0, Math.max(0, frame.length - (cut % (frame.length + 1))));
        for (const [at, v] of flips) if (f.length > 0) f[at % f.length] = v;
        expect(typeof summarizeFrame(f)).toBe('string');
      }),
      { numRuns: 3000 },
    );
  });
});

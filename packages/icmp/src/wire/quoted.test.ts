import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, ipv4 } from '@stack/wire';
import { ipv4Datagram } from '@stack/testkit/fake-ip';
import { checkQuotedDatagram, parseQuotedDatagram, quotedDatagramEnd } from './quoted.js';

const UDP8 = fromHex('c350 0035 0020 1234'); // 50000 → 53, length 32, checksum 0x1234

describe('quoted datagram', () => {
  it('reads src, dst, protocol and the transport header after a plain header', () => {
    const dgram = ipv4Datagram({ src: ipv4('10.77.0.2'), dst: ipv4('192.0.2.1'), protocol: 17, payload: UDP8, ident: 0xbeef, ttl: 3, totalLength: 52 });
    const r = parseQuotedDatagram(dgram);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      src: ipv4('10.77.0.2'), dst: ipv4('192.0.2.1'), protocol: 17, ttl: 3, ident: 0xbeef,
      headerLength: 20, totalLength: 52, fragmentOffset: 0, moreFragments: false,
    });
    expect(r.value.transport).toEqual(UDP8);
    expect(r.value.header.length).toBe(20);
  });

  it('skips IP options by IHL (a 28-byte header with record-route)', () => {
    // RFC 791 record route: type 7, length 7, pointer 4, one empty slot, then EOL
    const options = fromHex('07 07 04 00000000 00');
    const dgram = ipv4Datagram({ src: ipv4('10.77.0.2'), dst: ipv4('192.0.2.9'), protocol: 6, payload: fromHex('1f90 0050 00000001'), options });
    const r = parseQuotedDatagram(dgram);
    expect(r.ok && r.value.headerLength).toBe(28);
    expect(r.ok && r.value.protocol).toBe(6);
    expect(r.ok && Array.from(r.value.transport)).toEqual([0x1f, 0x90, 0x00, 0x50, 0, 0, 0, 1]);
  });

  it('keeps more than 8 bytes when quoted (RFC 1812) but never past Total Length', () => {
    const payload = new Uint8Array(40).map((_, i) => i);
    const dgram = ipv4Datagram({ src: 1, dst: 2, protocol: 17, payload });
    expect(parseQuotedDatagram(dgram).ok && (parseQuotedDatagram(dgram) as { value: { transport: Uint8Array } }).value.transport.length).toBe(40);
    const padded = new Uint8Array(dgram.length + 6);
    padded.set(dgram);
    const r = parseQuotedDatagram(padded);
    expect(r.ok && r.value.transport.length).toBe(40);
  });

  it('reads fragment offset and MF', () => {
    const dgram = ipv4Datagram({ src: 1, dst: 2, protocol: 17, payload: UDP8, fragmentOffset: 1480, moreFragments: true });
    const r = parseQuotedDatagram(dgram);
    expect(r.ok && [r.value.fragmentOffset, r.value.moreFragments]).toEqual([1480, true]);
  });

  it('accepts a datagram whose payload is shorter than 8 bytes when Total Length says so', () => {
    const dgram = ipv4Datagram({ src: 1, dst: 2, protocol: 99, payload: fromHex('0102') });
    const r = parseQuotedDatagram(dgram);
    expect(r.ok && r.value.transport.length).toBe(2);
  });

  it('rejects what is not a usable quote', () => {
    expect(parseQuotedDatagram(new Uint8Array(19))).toMatchObject({ ok: false, error: { kind: 'truncated' } });
    const v6 = ipv4Datagram({ src: 1, dst: 2, protocol: 17, payload: UDP8 });
    v6[0] = 0x65;
    expect(parseQuotedDatagram(v6)).toMatchObject({ ok: false, error: { kind: 'unsupported', offset: 0 } });
    const ihl4 = ipv4Datagram({ src: 1, dst: 2, protocol: 17, payload: UDP8 });
    ihl4[0] = 0x44;
    expect(parseQuotedDatagram(ihl4)).toMatchObject({ ok: false, error: { kind: 'malformed' } });
    const longHeader = ipv4Datagram({ src: 1, dst: 2, protocol: 17, payload: new Uint8Array(0) });
    longHeader[0] = 0x4f; // 60-byte header, only 20 present
    expect(parseQuotedDatagram(longHeader)).toMatchObject({ ok: false, error: { kind: 'truncated' } });
    // a quote cut after 4 transport bytes of a 28-byte datagram: ports but not the rest
    const cut = ipv4Datagram({ src: 1, dst: 2, protocol: 17, payload: UDP8 }).subarray(0, 24);
    expect(parseQuotedDatagram(cut)).toMatchObject({ ok: false, error: { kind: 'truncated' } });
  });

  it('never throws on random or mutated bytes', () => {
    const good = ipv4Datagram({ src: 1, dst: 2, protocol: 17, payload: UDP8 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(), fc.nat(255), fc.nat(), (b, at, v, cut) => {
        parseQuotedDatagram(b);
        const m = good.slice();
        m[at % m.length] = v;
        parseQuotedDatagram(m.subarray(0, cut % (m.length + 1)));
      }),
    );
  });

  it('checkQuotedDatagram and quotedDatagramEnd agree with the parser on any bytes', () => {
    const base = ipv4Datagram({ src: ipv4('10.77.0.2'), dst: ipv4('192.0.2.1'), protocol: 17, payload: UDP8 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat(), fc.uint8Array({ maxLength: 40 }), fc.boolean(), (flips, cut, junk, useJunk) => {
        const m = useJunk ? junk : base.slice();
        if (!useJunk) for (const [at, v] of flips) m[at % m.length] = v;
        const bytes = m.subarray(0, cut % (m.length + 1));
        const parsed = parseQuotedDatagram(bytes);
        const error = checkQuotedDatagram(bytes);
        if (parsed.ok) {
          expect(error).toBeNull();
          expect(quotedDatagramEnd(bytes)).toBe(parsed.value.headerLength + parsed.value.transport.length);
        } else {
          expect(error).toEqual(parsed.error);
        }
      }),
    );
  });
});

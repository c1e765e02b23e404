import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, ipv4 } from '@stack/wire';
import { ipv4Datagram } from '@stack/testkit/fake-ip';
import { checkQuotedDatagram, parseQuotedDatagram, type QuotedDatagram } from '../wire/quoted.js';
import { datagramErrorSuppression, errorSuppression } from './error-policy.js';

describe('when not to send an ICMP error (RFC 1122 §3.2.2)', () => {
  const LOCAL_BCAST = ipv4('10.77.0.255');
  const isBcast = (a: number): boolean => a === LOCAL_BCAST;
  const q = (spec: Partial<Parameters<typeof ipv4Datagram>[0]>): QuotedDatagram => {
    const r = parseQuotedDatagram(ipv4Datagram({ src: ipv4('10.77.0.1'), dst: ipv4('10.77.0.2'), protocol: 17, payload: new Uint8Array(8), ...spec }));
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  it('allows a plain unicast UDP datagram', () => {
    expect(errorSuppression(q({}), isBcast)).toBeNull();
  });
  it('never about ICMP errors, but about echo requests', () => {
    expect(errorSuppression(q({ protocol: 1, payload: fromHex('0303 0000 00000000') }), isBcast)).toBe('aboutError');
    expect(errorSuppression(q({ protocol: 1, payload: fromHex('0b00 0000 00000000') }), isBcast)).toBe('aboutError');
    expect(errorSuppression(q({ protocol: 1, payload: fromHex('2a00 0000 00000000') }), isBcast)).toBe('aboutError');
    expect(errorSuppression(q({ protocol: 1, payload: fromHex('0800 0000 00000000') }), isBcast)).toBeNull();
  });
  it('never about broadcasts and multicasts', () => {
    expect(errorSuppression(q({ dst: 0xffffffff }), isBcast)).toBe('toBroadcast');
    expect(errorSuppression(q({ dst: LOCAL_BCAST }), isBcast)).toBe('toBroadcast');
    expect(errorSuppression(q({ dst: ipv4('224.0.0.251') }), isBcast)).toBe('toBroadcast');
  });
  it('never about non-initial fragments (the first one is fine)', () => {
    expect(errorSuppression(q({ fragmentOffset: 8 }), isBcast)).toBe('fragment');
    expect(errorSuppression(q({ fragmentOffset: 0, moreFragments: true }), isBcast)).toBeNull();
  });
  it('never to a source that is not one host', () => {
    for (const src of ['0.0.0.0', '127.0.0.1', '224.0.0.1', '255.255.255.255', '240.0.0.1', '10.77.0.255']) {
      expect(errorSuppression(q({ src: ipv4(src) }), isBcast), src).toBe('badSource');
    }
  });

  it('datagramErrorSuppression, on the raw bytes, decides as errorSuppression does on the parse', () => {
    const base = ipv4Datagram({ src: ipv4('10.77.0.1'), dst: ipv4('10.77.0.2'), protocol: 1, payload: fromHex('0800 0000 00000000') });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.constantFrom(0, 1, 3, 8, 0x20, 0x45, 0x46, 0xe0, 0xff)), { maxLength: 5 }), fc.nat(), (flips, cut) => {
        const m = base.slice();
        for (const [at, v] of flips) m[at % m.length] = v;
        const bytes = m.subarray(0, cut % (m.length + 1));
        if (checkQuotedDatagram(bytes) !== null) return;
        const parsed = parseQuotedDatagram(bytes);
        if (!parsed.ok) throw new Error('check and parse disagree');
        expect(datagramErrorSuppression(bytes, isBcast)).toBe(errorSuppression(parsed.value, isBcast));
      }),
    );
  });
});

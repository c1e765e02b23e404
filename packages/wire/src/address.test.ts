import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError } from '@stack/interfaces';
import {
  broadcastOf, formatCidr, formatIpv4, formatMac, inNetwork, ipv4, isIpv4Multicast, isMacMulticast, mac,
  multicastMac, networkOf, parseCidr, parseIpv4, parseMac, prefixMask,
} from './address.js';
import { fromHex, toHex } from './hex.js';
import { readU48, writeU48 } from './bytes.js';

describe('IPv4 addresses', () => {
  it('parses and formats dotted quads', () => {
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(formatIpv4(0xc0000201)).toBe('192.0.2.1');
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', 'a.b.c.d', ' 1.2.3.4']) {
      expect(parseIpv4(bad)).toBeUndefined();
    }
  });
  it('round-trips every address', () => {
    fc.assert(fc.property(fc.nat(0xffffffff), (n) => { expect(parseIpv4(formatIpv4(n))).toBe(n); }));
  });
  it('ipv4() throws a StackError that says what is allowed', () => {
    expect(() => ipv4('10.0.0')).toThrowError(/dotted quad/);
    try { ipv4(-1); } catch (e) { expect(isStackError(e, 'ERR_INVALID_ARGUMENT')).toBe(true); }
  });
  it('handles networks', () => {
    const c = parseCidr('10.77.0.2/24');
    expect(formatCidr(c)).toBe('10.77.0.2/24');
    expect(prefixMask(24)).toBe(0xffffff00);
    expect(prefixMask(0)).toBe(0);
    expect(prefixMask(32)).toBe(0xffffffff);
    expect(formatIpv4(broadcastOf(c))).toBe('10.77.0.255');
    expect(formatIpv4(networkOf(c))).toBe('10.77.0.0');
    expect(inNetwork(ipv4('10.77.0.200'), c)).toBe(true);
    expect(inNetwork(ipv4('10.77.1.1'), c)).toBe(false);
    expect(inNetwork(ipv4('8.8.8.8'), parseCidr('0.0.0.0/0'))).toBe(true);
    expect(() => parseCidr('10.0.0.1/33')).toThrowError(/prefix 0..32/);
    expect(() => parseCidr('10.0.0.1')).toThrowError(/address\/prefix/);
    expect(isIpv4Multicast(ipv4('224.0.0.251'))).toBe(true);
    expect(isIpv4Multicast(ipv4('10.0.0.1'))).toBe(false);
  });
});

describe('MAC addresses', () => {
  it('parses, formats and round-trips', () => {
    expect(parseMac('02:00:00:00:00:01')).toBe(0x020000000001);
    expect(formatMac(0xffffffffffff)).toBe('ff:ff:ff:ff:ff:ff');
    expect(parseMac('0A-1b-2C-3d-4E-5f')).toBe(0x0a1b2c3d4e5f);
    expect(parseMac('02:00:00:00:00')).toBeUndefined();
    expect(() => mac('zz:00:00:00:00:00')).toThrowError(/six hex bytes/);
    fc.assert(fc.property(fc.nat({ max: 2 ** 48 - 1 }), (n) => { expect(parseMac(formatMac(n))).toBe(n); }));
  });
  it('reads and writes 48-bit fields', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 48 - 1 }), (n) => {
        const b = new Uint8Array(8);
        writeU48(b, 1, n);
        expect(readU48(b, 1)).toBe(n);
      }),
    );
    const b = fromHex('00 01 02 03 04 05 06 07');
    expect(formatMac(readU48(b, 1))).toBe('01:02:03:04:05:06');
  });
  it('knows group addresses and the IPv4 multicast mapping (RFC 1112)', () => {
    expect(isMacMulticast(0xffffffffffff)).toBe(true);
    expect(isMacMulticast(0x020000000001)).toBe(false);
    expect(formatMac(multicastMac(ipv4('224.0.0.251')))).toBe('01:00:5e:00:00:fb');
    expect(formatMac(multicastMac(ipv4('239.255.255.250')))).toBe('01:00:5e:7f:ff:fa');
  });
  it('hex helpers ignore layout and comments', () => {
    expect(toHex(fromHex('de:ad be ef # comment\n01'))).toBe('deadbeef01');
    expect(() => fromHex('abc')).toThrowError(/odd/);
  });
});

import { describe, expect, it } from 'vitest';
import { toHex } from '@stack/wire';
import { emitEthernet, ethernetHeaderLen, parseEthernet } from './ethernet.js';
import { linuxFixture } from '../fixtures/linux.js';

// A frame that went over a veth with an 802.1Q tag (the inner packet is the
// kernel's own ping; the tag was inserted in user space because this kernel
// has no 8021q module — see the fixture's comments), and the kernel's
// untagged ping frame from a second capture run.
describe('Linux frames from tooling/fixtures/capture-linux.sh', () => {
  it('decodes the tagged frame: VID 100, inner EtherType IPv4, payload at 18', () => {
    const frame = linuxFixture('linux-ethernet-vlan.hex', 'frame');
    const r = parseEthernet(frame);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({ dst: 0x027700000002, src: 0x027700000001, etherType: 0x0800, vlan: { pcp: 0, dei: false, vid: 100 } });
    expect(ethernetHeaderLen(r.value)).toBe(18);
    expect(frame[18]).toBe(0x45); // the IPv4 header starts after the tag
  });

  it('re-encodes both frames byte for byte, also at an offset', () => {
    for (const file of ['linux-ethernet-vlan.hex', 'linux-ethernet-ipv4.hex']) {
      const frame = linuxFixture(file, 'frame');
      const r = parseEthernet(frame);
      expect(r.ok, file).toBe(true);
      if (!r.ok) continue;
      const hl = ethernetHeaderLen(r.value);
      const exact = new Uint8Array(hl);
      expect(emitEthernet(r.value, exact)).toBe(hl);
      expect(toHex(exact), file).toBe(toHex(frame.subarray(0, hl)));
      // into a larger buffer at an offset: the bytes before and after are untouched
      const out = new Uint8Array(7 + hl + 9).fill(0xa5);
      expect(emitEthernet(r.value, out, 7)).toBe(hl);
      expect(toHex(out.subarray(7, 7 + hl)), file).toBe(toHex(frame.subarray(0, hl)));
      expect(toHex(out.subarray(0, 7)), file).toBe('a5'.repeat(7));
      expect(toHex(out.subarray(7 + hl)), file).toBe('a5'.repeat(9));
    }
  });
});

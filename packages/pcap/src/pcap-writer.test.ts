import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { fromHex, toHex } from '@stack/wire';
import { PcapWriter } from './pcap-writer.js';
import { memorySink } from './sink.js';

// The fixture is laid out from the format description (draft-ietf-opsawg-pcap
// §4 file header, §5 packet record), little-endian, field by field.
const FIXTURE_US = `
  d4c3b2a1        # magic 0xa1b2c3d4: microseconds, written little-endian
  0200 0400       # version 2.4
  00000000        # reserved1 (thiszone)
  00000000        # reserved2 (sigfigs)
  00000400        # snaplen 262144
  01000000        # LINKTYPE_ETHERNET
  01000000        # ts_sec 1
  48940300        # ts_usec 234568 (1234.5678 ms, rounded)
  04000000        # captured length 4
  04000000        # original length 4
  deadbeef        # frame
`;

describe('PcapWriter', () => {
  it('writes the global header and a record byte for byte (µs)', () => {
    const sink = memorySink();
    const w = new PcapWriter(sink);
    w.writePacket(1234.5678, fromHex('deadbeef'));
    expect(toHex(sink.bytes())).toBe(toHex(fromHex(FIXTURE_US)));
    expect(w.packets).toBe(1);
    expect(w.bytes).toBe(24 + 16 + 4);
  });

  it('puts the header fields at their offsets', () => {
    const sink = memorySink();
    new PcapWriter(sink, { resolution: 'ns', snaplen: 1500, linkType: 101 });
    const b = sink.bytes();
    const v = new DataView(b.buffer);
    expect(b.length).toBe(24);
    expect(v.getUint32(0, true)).toBe(0xa1b23c4d);
    expect(toHex(b.subarray(0, 4))).toBe('4d3cb2a1');
    expect(v.getUint16(4, true)).toBe(2);
    expect(v.getUint16(6, true)).toBe(4);
    expect(v.getUint32(8, true)).toBe(0);
    expect(v.getUint32(12, true)).toBe(0);
    expect(v.getUint32(16, true)).toBe(1500);
    expect(v.getUint32(20, true)).toBe(101);
  });

  it('stamps nanoseconds and cuts frames to snaplen, keeping the original length', () => {
    const sink = memorySink();
    const w = new PcapWriter(sink, { resolution: 'ns', snaplen: 3 });
    w.writePacket(2000.000001, fromHex('0102030405'));
    const rec = sink.bytes().subarray(24);
    const v = new DataView(rec.buffer, rec.byteOffset);
    expect(v.getUint32(0, true)).toBe(2);
    expect(v.getUint32(4, true)).toBe(1);
    expect(v.getUint32(8, true)).toBe(3);
    expect(v.getUint32(12, true)).toBe(5);
    expect(toHex(rec.subarray(16))).toBe('010203');
  });

  it('rejects bad options and misuse with StackError codes', () => {
    const codeOf = (f: () => unknown): string | undefined => {
      try { f(); } catch (e) { return isStackError(e) ? e.code : 'other'; }
      return undefined;
    };
    expect(codeOf(() => new PcapWriter(memorySink(), { snaplen: 0 }))).toBe('ERR_INVALID_CONFIG');
    expect(codeOf(() => new PcapWriter(memorySink(), { resolution: 'ms' as never }))).toBe('ERR_INVALID_CONFIG');
    expect(codeOf(() => new PcapWriter(memorySink(), { linkType: 70000 }))).toBe('ERR_INVALID_CONFIG');
    const w = new PcapWriter(memorySink());
    expect(codeOf(() => w.writePacket(-5, new Uint8Array(1)))).toBe('ERR_INVALID_ARGUMENT');
    w.close();
    w.close();
    expect(codeOf(() => w.writePacket(0, new Uint8Array(1)))).toBe('ERR_CLOSED');
  });
});

import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { fromHex, toHex } from '@stack/wire';
import { PcapngWriter } from './pcapng-writer.js';
import { memorySink } from './sink.js';

// Laid out from draft-ietf-opsawg-pcapng: §4.1 SHB, §4.2 IDB, §4.3 EPB,
// §3.5 options. Little-endian.
const FIXTURE = `
  # Section Header Block
  0a0d0d0a  28000000          # type, total length 40 (24 fixed + 8 option + 4 end + 4 trailer)
  4d3c2b1a                    # byte-order magic 0x1a2b3c4d
  0100 0000                   # version 1.0
  ffffffff ffffffff           # section length -1 (not given)
  0400 0100 78000000          # shb_userappl, length 1, "x" + padding
  0000 0000                   # opt_endofopt
  28000000                    # total length again
  # Interface Description Block
  01000000  28000000          # type 1, total length 40 (16 fixed + 8 + 8 options + 4 end + 4 trailer)
  0100 0000                   # LINKTYPE_ETHERNET, reserved
  00000400                    # snaplen 262144
  0200 0400 6830 2e30         # if_name "h0.0"
  0900 0100 09000000          # if_tsresol 9 (nanoseconds) + padding
  0000 0000                   # opt_endofopt
  28000000
  # Enhanced Packet Block
  06000000  34000000          # type 6, total length 52 (28 fixed + 8 data + 8 option + 4 end + 4 trailer)
  00000000                    # interface 0
  00000000 a2e66e4d           # timestamp 1_299_113_634 ns = 1299.113634 ms (high, low)
  05000000 05000000           # captured 5, original 5
  0102030405 000000           # frame + padding to 32 bits
  0200 0400 02000000          # epb_flags: direction outbound (2)
  0000 0000                   # opt_endofopt
  34000000
`;

describe('PcapngWriter', () => {
  it('writes SHB, IDB and EPB byte for byte', () => {
    const sink = memorySink();
    const w = new PcapngWriter(sink, { resolution: 'ns', application: 'x' });
    expect(w.addInterface('h0.0')).toBe(0);
    w.writePacket(1299.113634, fromHex('0102030405'), 'outbound');
    expect(toHex(sink.bytes())).toBe(toHex(fromHex(FIXTURE)));
  });

  it('omits the EPB options when no direction is given and writes µs by default', () => {
    const sink = memorySink();
    const w = new PcapngWriter(sink, { application: '' });
    const shb = sink.length;
    expect(shb).toBe(28);
    const id = w.addInterface('a', { snaplen: 2, description: 'left' });
    const afterIdb = sink.length;
    w.writePacket(1.5, fromHex('aabbcc'), undefined, id);
    const epb = sink.bytes().subarray(afterIdb);
    const v = new DataView(epb.buffer, epb.byteOffset, epb.byteLength);
    expect(v.getUint32(4, true)).toBe(36); // 28 + pad4(2) + 4, no options
    expect(v.getUint32(12, true)).toBe(0);
    expect(v.getUint32(16, true)).toBe(1500); // 1.5 ms in µs
    expect(v.getUint32(20, true)).toBe(2);
    expect(v.getUint32(24, true)).toBe(3);
    const idb = sink.bytes().subarray(shb, afterIdb);
    // if_tsresol 6 is present
    expect(toHex(idb)).toContain('0900010006000000');
  });

  it('adds interface 0 on demand and binds recorders to interfaces', () => {
    const sink = memorySink();
    const w = new PcapngWriter(sink);
    w.writePacket(0, new Uint8Array(14));
    expect(w.interfaceCount).toBe(1);
    expect(w.interfaceName(0)).toBe('eth0');
    const r = w.interface('h1.eth0');
    r.writePacket(1, new Uint8Array(14), 'inbound');
    expect(w.packets).toBe(2);
    let code: string | undefined;
    try { w.writePacket(0, new Uint8Array(1), undefined, 7); } catch (e) { code = isStackError(e) ? e.code : 'other'; }
    expect(code).toBe('ERR_INVALID_ARGUMENT');
  });
});

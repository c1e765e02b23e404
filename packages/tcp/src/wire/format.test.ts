import { describe, expect, it } from 'vitest';
import { TcpFlags } from './fields.js';
import { formatTcpFlags, formatTcpOptions, formatTcpSegment } from './format.js';

describe('formatting for logs', () => {
  it('names flags, reserved bits as hex', () => {
    expect(formatTcpFlags(TcpFlags.SYN | TcpFlags.ACK)).toBe('SYN|ACK');
    expect(formatTcpFlags(TcpFlags.SYN | TcpFlags.ECE | TcpFlags.CWR | TcpFlags.AE)).toBe('SYN|ECE|CWR|AE');
    expect(formatTcpFlags(0)).toBe('-');
    expect(formatTcpFlags(0x800 | TcpFlags.RST)).toBe('RST|0x800');
  });

  it('writes options and segments as tcpdump does', () => {
    expect(formatTcpOptions({ mss: 1460, sackPermitted: true, timestamps: { value: 5, echo: 0 }, windowScale: 7 })).toBe('mss 1460,sackOK,TS val 5 ecr 0,wscale 7');
    expect(formatTcpOptions({ sack: [{ left: 1, right: 2 }, { left: 5, right: 9 }], unknown: [{ kind: 30, data: new Uint8Array(3) }] }))
      .toBe('sack 2 {1:2}{5:9},kind 30 len 5');
    expect(formatTcpSegment({ srcPort: 1, dstPort: 2, seq: 3, ack: 4, flags: TcpFlags.ACK, window: 5, urgentPointer: 0, options: {}, payloadLength: 6 }))
      .toBe('1 > 2 [ACK] seq 3 ack 4 win 5 len 6');
    expect(formatTcpSegment({ srcPort: 1, dstPort: 2, seq: 3, ack: 0, flags: TcpFlags.URG, window: 5, urgentPointer: 9, options: { mss: 1 }, payloadLength: 0 }))
      .toBe('1 > 2 [URG] seq 3 ack 0 win 5 urg 9 [mss 1] len 0');
  });
});

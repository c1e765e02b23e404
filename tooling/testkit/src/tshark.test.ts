import { describe, expect, it } from 'vitest';
import { parseTsharkFields, tsharkArgs, TSHARK_FIELDS } from './tshark.js';

const US = '\x1f';
/** One line of `tshark -T fields` output for TSHARK_FIELDS. */
function line(cols: Partial<Record<(typeof TSHARK_FIELDS)[number], string>>): string {
  return TSHARK_FIELDS.map((f) => cols[f] ?? '').join('\t');
}

describe('tsharkArgs', () => {
  it('turns checksum verification on, never resolves names, and asks for the fields', () => {
    const a = tsharkArgs('/tmp/x.pcap', { decodeAs: ['udp.port==5353,dns'], prefs: { 'tcp.analyze_sequence_numbers': 'FALSE' } });
    const s = a.join(' ');
    expect(a.slice(0, 3)).toEqual(['-n', '-r', '/tmp/x.pcap']);
    for (const p of ['ip.check_checksum:TRUE', 'udp.check_checksum:TRUE', 'tcp.check_checksum:TRUE', 'tcp.analyze_sequence_numbers:FALSE']) {
      expect(s).toContain(`-o ${p}`);
    }
    expect(s).toContain('-d udp.port==5353,dns');
    expect(a.filter((x) => x === '-e')).toHaveLength(TSHARK_FIELDS.length);
  });
});

describe('parseTsharkFields (output as tshark 4.0 prints it)', () => {
  it('reports a clean capture as clean', () => {
    const text = [
      line({ 'frame.number': '1', 'frame.protocols': 'eth:ethertype:ip:udp:data', 'ip.checksum.status': '1', 'udp.checksum.status': '1' }),
      line({ 'frame.number': '2', 'frame.protocols': 'eth:ethertype:ip:icmp:data', 'ip.checksum.status': '1', 'icmp.checksum.status': '1' }),
      line({ 'frame.number': '3', 'frame.protocols': 'eth:ethertype:arp' }),
      '',
    ].join('\n');
    expect(parseTsharkFields(text)).toEqual({ packets: 3, malformed: [], badChecksums: [], warnings: [] });
  });

  it('finds bad checksums, malformed frames and other warnings', () => {
    const text = [
      line({ 'frame.number': '1', 'frame.protocols': 'eth:ethertype:ip:udp:data', '_ws.expert.severity': '8388608', '_ws.expert.group': '16777216', '_ws.expert.message': 'Bad checksum [should be 0xc2ec]', 'ip.checksum.status': '0', 'udp.checksum.status': '1' }),
      line({ 'frame.number': '2', 'frame.protocols': 'eth:ethertype:ip:icmp:data', '_ws.expert.severity': '6291456', '_ws.expert.group': '16777216', '_ws.expert.message': 'Bad checksum [should be 0xd2d8]', 'ip.checksum.status': '1', 'icmp.checksum.status': '0' }),
      line({ 'frame.number': '3', 'frame.protocols': 'eth:ethertype:ip:udp:data', '_ws.malformed': '_ws.malformed', '_ws.expert.severity': '8388608', '_ws.expert.group': '117440512', '_ws.expert.message': 'Bad length value 200 > IP payload length', 'ip.checksum.status': '1', 'udp.checksum.status': '2' }),
      line({ 'frame.number': '4', 'frame.protocols': 'eth:ethertype:ip', '_ws.malformed': `[Malformed Packet: IPv4]${US}_ws.malformed`, '_ws.expert.severity': `8388608${US}8388608`, '_ws.expert.group': `150994944${US}117440512`, '_ws.expert.message': `IPv4 total length exceeds packet length (16 bytes)${US}Malformed Packet (Exception occurred)`, 'ip.checksum.status': '2' }),
      line({ 'frame.number': '5', 'frame.protocols': 'eth:ethertype:ip:tcp', '_ws.expert.severity': `2097152${US}6291456`, '_ws.expert.group': `33554432${US}33554432`, '_ws.expert.message': `Connection establish request (SYN): server port 80${US}Previous segment(s) not captured`, 'tcp.checksum.status': '1' }),
    ].join('\n');
    const r = parseTsharkFields(text);
    expect(r.packets).toBe(5);
    expect(r.badChecksums).toEqual([
      { frame: 1, protocol: 'ip', message: 'Bad checksum [should be 0xc2ec]', severity: 'error' },
      { frame: 2, protocol: 'icmp', message: 'Bad checksum [should be 0xd2d8]', severity: 'warning' },
    ]);
    expect(r.malformed.map((m) => [m.frame, m.message])).toEqual([
      [3, 'Bad length value 200 > IP payload length'],
      [4, 'Malformed Packet (Exception occurred)'],
    ]);
    expect(r.warnings).toEqual([
      { frame: 4, protocol: 'ip', message: 'IPv4 total length exceeds packet length (16 bytes)', severity: 'error' },
      { frame: 5, protocol: 'tcp', message: 'Previous segment(s) not captured', severity: 'warning' },
    ]);
  });
});

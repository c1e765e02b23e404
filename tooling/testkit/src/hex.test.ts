import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadHexBlocks, parseHexBlocks } from './hex.js';

describe('hex fixtures', () => {
  it('splits blocks on "# @block" lines and ignores comments and layout', () => {
    const b = parseHexBlocks('# header\n# @block one\n# about one\nde ad:be ef # trailing\n#\n# @block two\n0102\n03\n');
    expect([...b.keys()]).toEqual(['one', 'two']);
    expect([...b.get('one')!]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect([...b.get('two')!]).toEqual([1, 2, 3]);
  });

  it('returns a file without markers under the name ""', () => {
    expect([...parseHexBlocks('# x\n0a0b')!.get('')!]).toEqual([10, 11]);
  });

  it('rejects text that is not hex', () => {
    expect(() => parseHexBlocks('# @block a\nxyz\n')).toThrowError(/not hex/);
    expect(() => parseHexBlocks('abc')).toThrowError(/odd/);
  });

  it('reads a captured fixture of the repository', () => {
    const path = fileURLToPath(new URL('../../../packages/udp/src/fixtures/linux-udp.hex', import.meta.url));
    const packet = loadHexBlocks(path).get('ip-packet')!;
    expect(packet[0]).toBe(0x45); // IPv4, IHL 5
    expect(packet[9]).toBe(17); // UDP
    expect(new TextDecoder().decode(packet.subarray(28))).toBe('hello\n');
  });
});

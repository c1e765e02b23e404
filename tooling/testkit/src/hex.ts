import { readFileSync } from 'node:fs';

/**
 * Reads a hex fixture in the format of tooling/fixtures/capture-linux.sh:
 * hex bytes with `#` comments, blocks started by a line `# @block <name>`.
 * Returns the blocks by name, in file order; bytes before the first marker
 * (a file without markers) come back under the name ''.
 */
export function loadHexBlocks(path: string): Map<string, Uint8Array> {
  return parseHexBlocks(readFileSync(path, 'utf8'));
}

/** `loadHexBlocks` for text already in memory. */
export function parseHexBlocks(text: string): Map<string, Uint8Array> {
  const blocks = new Map<string, Uint8Array>();
  let name = '';
  let hex = '';
  const flush = (): void => {
    if (hex.length > 0 || name !== '') {
      if (hex.length % 2 !== 0) throw new Error(`hex block '${name}': odd number of hex digits`);
      blocks.set(name, Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16)));
    }
    hex = '';
  };
  for (const line of text.split('\n')) {
    const marker = /^#\s*@block\s+(\S+)/.exec(line);
    if (marker) {
      flush();
      name = marker[1]!;
      continue;
    }
    const data = line.replace(/#.*/, '').replace(/[\s:]/g, '');
    if (!/^[0-9a-fA-F]*$/.test(data)) throw new Error(`hex block '${name}': not hex: ${line}`);
    hex += data;
  }
  flush();
  return blocks;
}

/**
 * One block of a hex fixture file: `hexFixture(new URL('./linux-udp.hex',
 * import.meta.url), 'ip-packet')`. Throws, naming the blocks there are, when
 * the block is missing: fixtures are ours, a wrong name is a test bug.
 */
export function hexFixture(path: string | URL, block: string): Uint8Array {
  const file = typeof path === 'string' ? path : path.pathname;
  const blocks = loadHexBlocks(file);
  const bytes = blocks.get(block);
  if (!bytes) throw new Error(`${file}: no block "${block}" (blocks: ${[...blocks.keys()].join(', ') || 'none'})`);
  return bytes;
}

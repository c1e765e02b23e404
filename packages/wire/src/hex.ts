/** Bytes as lower-case hex without separators. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return out;
}

/**
 * Parses hex into bytes. White space, colons and `#`-comments (to the end of
 * a line) are ignored, so fixtures can be laid out and annotated like a
 * packet dump. Throws on an odd digit count or a non-hex character: fixtures
 * are ours, not untrusted input.
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/#[^\n]*/g, '').replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0) throw new Error(`hex has an odd number of digits (${clean.length})`);
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new Error('hex has a character that is not a hex digit');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A hexdump-style rendering (offset, 16 bytes a line) for test failure messages. */
export function hexdump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push(`${i.toString(16).padStart(4, '0')}  ${toHex(bytes.subarray(i, i + 16)).replace(/(..)/g, '$1 ').trim()}`);
  }
  return lines.join('\n');
}

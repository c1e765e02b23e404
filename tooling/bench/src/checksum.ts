// The internet checksum over 1500-byte buffers, in GB/s, beside the plain
// RFC 1071 byte loop (the reference the issue names) in the same run.
import { checksum } from '@stack/wire';
import { opsPerSecond, type Row } from './table.js';

function byteLoop(buf: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < buf.length; i += 2) s += (buf[i]! << 8) | (buf[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

let sink = 0;

export async function checksumSuite(): Promise<Row[]> {
  const buf = new Uint8Array(1500);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 131 + 17) & 0xff;
  if (checksum(buf) !== byteLoop(buf)) throw new Error('checksum disagrees with the byte loop');
  const r = await opsPerSecond({
    stack: () => {
      sink ^= checksum(buf);
    },
    loop: () => {
      sink ^= byteLoop(buf);
    },
  });
  const gbps = (ops: number): number => (ops * buf.length) / 1e9;
  return [{ suite: 'checksum', what: 'internet checksum, 1500-byte buffer', ours: gbps(r['stack']!), peer: gbps(r['loop']!), peerName: 'plain byte loop', unit: 'GB/s' }];
}

export function keepAlive(): number {
  return sink;
}

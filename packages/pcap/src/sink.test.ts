import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStackError } from '@stack/interfaces';
import { PcapngWriter } from './pcapng-writer.js';
import { fileSink, memorySink } from './sink.js';

describe('sinks', () => {
  it('memorySink concatenates chunks in order', () => {
    const s = memorySink();
    s(Uint8Array.of(1, 2));
    s(Uint8Array.of());
    s(Uint8Array.of(3));
    expect(s.length).toBe(3);
    expect(s.bytes()).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('fileSink writes what memorySink would, across buffer flushes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-pcap-'));
    try {
      const path = join(dir, 'a.pcapng');
      const file = fileSink(path, { bufferSize: 100 });
      const mem = memorySink();
      const a = new PcapngWriter(file);
      const b = new PcapngWriter(mem);
      for (let i = 0; i < 50; i++) {
        const frame = new Uint8Array(i * 7).fill(i);
        a.writePacket(i, frame, 'outbound');
        b.writePacket(i, frame, 'outbound');
      }
      a.close();
      expect(new Uint8Array(readFileSync(path))).toEqual(mem.bytes());
      let code: string | undefined;
      try { file(new Uint8Array(1)); } catch (e) { code = isStackError(e) ? e.code : 'other'; }
      expect(code).toBe('ERR_CLOSED');
      file.close(); // idempotent
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

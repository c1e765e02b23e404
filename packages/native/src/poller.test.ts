import { execFileSync, spawnSync } from 'node:child_process';
import { constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { ADDON_PATH, loadNative, nativeStatus } from './binding.js';
import { TapHandle } from './tap.js';

// The poller and the batched writer work on any non-blocking fd: a FIFO
// stands in for a TAP here, so these run without root. (A FIFO is a byte
// stream: a read may join frames; the TAP's frame boundaries are tested in
// test/tap.peer.test.ts.)
const dir = mkdtempSync(join(tmpdir(), 'stack-native-poll-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fifos = 0;

function fifoHandle(): TapHandle {
  const path = join(dir, `fifo${++fifos}`);
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  return new TapHandle(loadNative(), fd, `fifo${fifos}`, { name: `fifo${fifos}` });
}

function frames(sizes: number[], fill = (i: number, j: number) => (i * 31 + j) & 0xff) {
  const total = sizes.reduce((a, b) => a + b, 0);
  const buf = new Uint8Array(total);
  const offsets = new Int32Array(sizes.length);
  const lengths = new Int32Array(sizes.length);
  let off = 0;
  sizes.forEach((n, i) => {
    offsets[i] = off;
    lengths[i] = n;
    for (let j = 0; j < n; j++) buf[off + j] = fill(i, j);
    off += n;
  });
  return { buf, offsets, lengths };
}

describe.runIf(nativeStatus().available)('FramePoller and TapHandle.write over a FIFO', () => {
  it('reads what was written, one JS call per batch, into the JS-owned slab', async () => {
    const h = fifoHandle();
    try {
      const batches: { count: number; errno: number; bytes: number[] }[] = [];
      let wake: () => void = () => {};
      const poller = h.poll({
        slotSize: 64,
        slots: 4,
        onFrames(count, errno) {
          const bytes: number[] = [];
          for (let i = 0; i < count; i++) bytes.push(...poller.slab.subarray(i * 64, i * 64 + poller.lengths[i]!));
          batches.push({ count, errno, bytes });
          wake();
        },
      });
      poller.start();
      expect(poller.reading).toBe(true);
      const { buf, offsets, lengths } = frames([10, 20]);
      expect(h.write(buf, offsets, lengths, 2)).toBe(2);
      while (batches.reduce((n, b) => n + b.bytes.length, 0) < 30) await new Promise<void>((r) => (wake = r));
      expect(batches.every((b) => b.errno === 0 && b.count >= 1)).toBe(true);
      expect(batches.flatMap((b) => b.bytes)).toEqual([...buf]);
      poller.stop();
      expect(poller.reading).toBe(false);
    } finally {
      h.close();
    }
  });

  it('drains up to `slots` reads per wake-up (a stream fills every slot)', async () => {
    const h = fifoHandle();
    try {
      const counts: number[] = [];
      let wake: () => void = () => {};
      const poller = h.poll({ slotSize: 64, slots: 3, onFrames: (count) => { counts.push(count); wake(); } });
      const { buf, offsets, lengths } = frames([64 * 5]);
      expect(h.write(buf, offsets, lengths, 1)).toBe(1);
      poller.start();
      while (counts.reduce((a, b) => a + b, 0) < 5) await new Promise<void>((r) => (wake = r));
      expect(counts).toEqual([3, 2]);
      expect([...poller.lengths.subarray(0, 2)]).toEqual([64, 64]);
    } finally {
      h.close();
    }
  });

  it('stops at EAGAIN, returns how many went, and reports writable again', async () => {
    const h = fifoHandle();
    try {
      let writable = 0;
      let wake: () => void = () => {};
      const poller = h.poll({ slotSize: 4096, slots: 16, onFrames: () => {}, onWritable: () => { writable++; wake(); } });
      // A pipe holds 64 KiB; writes of 4096 bytes (PIPE_BUF) are all-or-nothing.
      const { buf, offsets, lengths } = frames(new Array<number>(32).fill(4096));
      const sent = h.write(buf, offsets, lengths, 32);
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThan(32);
      expect(h.write(buf, offsets.subarray(sent), lengths.subarray(sent), 32 - sent)).toBe(0);
      poller.wantWritable();
      poller.start(); // reading drains the pipe, so it becomes writable
      while (writable === 0) await new Promise<void>((r) => (wake = r));
      expect(writable).toBe(1);
      expect(h.write(buf, offsets.subarray(sent), lengths.subarray(sent), 1)).toBe(1);
    } finally {
      h.close();
    }
  });

  it('close is idempotent and later use throws ERR_CLOSED', () => {
    const h = fifoHandle();
    const poller = h.poll({ slotSize: 64, slots: 1, onFrames: () => {} });
    expect(() => h.poll({ slotSize: 64, slots: 1, onFrames: () => {} })).toThrowError(/already has a poller/);
    h.close();
    h.close();
    expect(h.closed).toBe(true);
    expect(poller.closed).toBe(true);
    expect(h.fd).toBe(-1);
    const { buf, offsets, lengths } = frames([1]);
    expect(() => h.write(buf, offsets, lengths, 1)).toThrowError(/closed/);
    try {
      poller.start();
      expect.unreachable();
    } catch (err) {
      expect(isStackError(err, 'ERR_CLOSED')).toBe(true);
    }
  });

  it('validates poller options', () => {
    const h = fifoHandle();
    try {
      expect(() => h.poll({ slotSize: 10, slots: 1, onFrames: () => {} })).toThrowError(/slotSize must be an integer in 64\.\.1048576/);
      expect(() => h.poll({ slotSize: 64, slots: 0, onFrames: () => {} })).toThrowError(/slots must be an integer in 1\.\.4096/);
      expect(() => h.poll({ slotSize: 64, slots: 1, onFrames: 'x' as never })).toThrowError(/onFrames must be a function/);
    } finally {
      h.close();
    }
  });

  // The process must be able to exit: an active poller holds the loop like a socket, a closed or unref'ed one does not.
  // An unref'ed timer tells the two apart without a wall-clock race: it never holds the loop itself, so it
  // fires (exit code 3) only when something else does; a process whose loop is empty exits 0 before it.
  const HELD = 3;
  const script = (ending: string): string => `
    const a = require(${JSON.stringify(ADDON_PATH)});
    const fs = require('fs');
    require('child_process').execFileSync('mkfifo', [process.argv[1]]);
    const fd = fs.openSync(process.argv[1], fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
    const p = a.pollerCreate(fd, new ArrayBuffer(64), 64, 1, new Int32Array(1), () => {}, () => {});
    a.pollerSet(p, true, false);
    setTimeout(() => { ${ending}; setTimeout(() => process.exit(${HELD}), 200).unref(); }, 10);`;
  it.each([
    ['closed', 'a.pollerClose(p); a.closeFd(fd);', 0],
    ['unref', 'a.pollerRef(p, false);', 0],
    ['still open', '', HELD],
  ])('a poller %s: the process exits by itself only when nothing holds the loop (%#)', (_what, ending, status) => {
    const r = spawnSync(process.execPath, ['-e', script(ending), join(dir, `exit${++fifos}`)], { timeout: 30_000, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(status);
  });
});

import { closeSync, openSync, writeSync } from 'node:fs';
import { StackError } from '@stack/interfaces';

/**
 * Where a writer puts its bytes: called once per header or record with a
 * chunk the sink now owns (the writer never touches it again). `close`, when
 * present, is called by the writer's `close()`.
 */
export interface PcapSink {
  (chunk: Uint8Array): void;
  close?(): void;
}

/** A sink that keeps every chunk in memory. */
export interface MemorySink extends PcapSink {
  /** Everything written so far, concatenated into one new buffer. */
  bytes(): Uint8Array;
  /** Bytes written so far. */
  readonly length: number;
}

/** A sink that collects the file in memory; `sink.bytes()` gives it back. */
export function memorySink(): MemorySink {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const sink = ((chunk: Uint8Array): void => {
    chunks.push(chunk);
    length += chunk.length;
  }) as MemorySink;
  Object.defineProperty(sink, 'length', { get: () => length });
  sink.bytes = (): Uint8Array => {
    const out = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  };
  return sink;
}

/** A sink that writes a file: buffered, flushed when the buffer fills and on `close()`. */
export interface FileSink extends PcapSink {
  /** Writes out what is buffered. */
  flush(): void;
  /** Flushes and closes the file. Idempotent. Writing after close throws ERR_CLOSED. */
  close(): void;
}

/** Options of `fileSink`. */
export interface FileSinkOptions {
  /** Bytes buffered before a write to the file (default 64 KiB). */
  bufferSize?: number;
}

/**
 * A sink that writes to `path` (created or truncated) with synchronous
 * `node:fs` writes of a buffer, so the file is complete once `close()` returns.
 */
export function fileSink(path: string, options: FileSinkOptions = {}): FileSink {
  const size = options.bufferSize ?? 64 * 1024;
  const fd = openSync(path, 'w');
  const buf = new Uint8Array(size);
  let used = 0;
  let closed = false;
  const writeAll = (bytes: Uint8Array): void => {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  };
  const flush = (): void => {
    if (used > 0) {
      writeAll(buf.subarray(0, used));
      used = 0;
    }
  };
  const sink = ((chunk: Uint8Array): void => {
    if (closed) throw new StackError('ERR_CLOSED', `fileSink(${path}): write after close`);
    if (used + chunk.length > size) flush();
    if (chunk.length >= size) writeAll(chunk);
    else {
      buf.set(chunk, used);
      used += chunk.length;
    }
  }) as FileSink;
  sink.flush = (): void => {
    if (!closed) flush();
  };
  sink.close = (): void => {
    if (closed) return;
    flush();
    closed = true;
    closeSync(fd);
  };
  return sink;
}

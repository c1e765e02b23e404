// JSON lines from a process's stdout, for the `wire` benchmark: the worker
// servers and the C tools print one JSON object per line.
import type { Readable } from 'node:stream';

/** The JSON lines a process printed, and a way to wait for the next one that matches. */
export class JsonLines {
  readonly items: Record<string, unknown>[] = [];
  private buf = '';
  private readonly waiters = new Set<() => void>();
  private ended = false;

  constructor(stream: Readable, private readonly what: string) {
    stream.on('data', (d: string | Buffer) => {
      this.buf += typeof d === 'string' ? d : d.toString('utf8');
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const text = this.buf.slice(0, nl).trim();
        this.buf = this.buf.slice(nl + 1);
        if (!text.startsWith('{')) continue;
        try {
          this.items.push(JSON.parse(text) as Record<string, unknown>);
        } catch {
          continue; // not ours (a log line)
        }
      }
      for (const w of this.waiters) w();
    });
    stream.on('close', () => {
      this.ended = true;
      for (const w of this.waiters) w();
    });
  }

  /** Resolves with the first line at index ≥ `from` for which `match` holds; rejects after `timeoutMs` or when the stream ends. */
  next<T>(match: (o: Record<string, unknown>) => boolean, from = 0, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        for (let i = from; i < this.items.length; i++) {
          if (match(this.items[i]!)) return finish(undefined, this.items[i] as T);
        }
        if (this.ended) finish(new Error(`${this.what} ended before printing the line awaited`));
      };
      const timer = setTimeout(() => finish(new Error(`${this.what}: no answer within ${timeoutMs} ms`)), timeoutMs);
      const finish = (err?: Error, value?: T): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err);
        else resolve(value!);
      };
      this.waiters.add(check);
      check();
    });
  }
}

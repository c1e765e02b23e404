import { Bench } from 'tinybench';

/** One benchmark result row: ours beside the peer from the same run. */
export interface Row {
  readonly suite: string;
  readonly what: string;
  readonly ours: number;
  readonly peer: number | null;
  readonly peerName: string;
  readonly unit: string;
  readonly goal?: string;
}

/**
 * Runs tinybench tasks and returns ops/s by name (mean throughput). Each
 * task body runs `inner` times per sample so the harness's own per-call cost
 * does not swamp operations of ~100 ns; the figure is per operation.
 */
export async function opsPerSecond(tasks: Record<string, () => void>, inner = 1, time = 1500): Promise<Record<string, number>> {
  const bench = new Bench({ time, warmupTime: 300 });
  for (const [name, fn] of Object.entries(tasks)) {
    bench.add(name, inner === 1 ? fn : () => {
      for (let i = 0; i < inner; i++) fn();
    });
  }
  await bench.run();
  const out: Record<string, number> = {};
  for (const task of bench.tasks) {
    const r = task.result as { throughput?: { mean: number }; error?: unknown } | undefined;
    if (!r || r.error !== undefined || !r.throughput) throw new Error(`bench task ${task.name} failed: ${String(r?.error)}`);
    out[task.name] = r.throughput.mean * inner;
  }
  return out;
}

/** Formats a number with thousands separators and a sensible precision. */
export function fmt(n: number): string {
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

/** Renders rows as a Markdown table with the ratio ours / peer. */
export function markdown(rows: readonly Row[]): string {
  const lines = ['| suite | measure | @stack | peer | peer figure | ratio | goal |', '|---|---|---:|---|---:|---:|---|'];
  for (const r of rows) {
    const ratio = r.peer ? `${(r.ours / r.peer).toFixed(2)}×` : '—';
    lines.push(`| ${r.suite} | ${r.what} | ${fmt(r.ours)} ${r.unit} | ${r.peerName} | ${r.peer === null ? '—' : `${fmt(r.peer)} ${r.unit}`} | ${ratio} | ${r.goal ?? ''} |`);
  }
  return lines.join('\n');
}

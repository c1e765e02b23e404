// Samples the CPU while `fn` runs (the inspector's profiler, in this
// process) and returns the functions with the most self time, each at its
// place in the TypeScript source (through tsx's source maps).
import { Session } from 'node:inspector/promises';
import { findSourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of a profile: a function, where it is, and its share of the samples. */
export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly ms: number;
  readonly percent: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `file:line` of a profile frame in the source (0-based generated position in, 1-based source line out). */
function place(url: string, line: number, column: number): string {
  if (url === '') return '(native)';
  const map = url.startsWith('file:') ? findSourceMap(url) : undefined;
  const entry = map?.findEntry(line, column);
  const file = entry && 'originalSource' in entry ? entry.originalSource : url;
  const srcLine = entry && 'originalLine' in entry ? entry.originalLine + 1 : line + 1;
  const path = file.startsWith('file:') ? relative(ROOT, fileURLToPath(file)) : file;
  return `${path}:${srcLine}`;
}

/** Runs `fn` under the sampling profiler (every 100 µs) and returns the `top` functions by self time. */
export async function profile(fn: () => Promise<unknown>, top = 10): Promise<{ hot: HotFunction[]; totalMs: number }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  let p: CpuProfile;
  try {
    await fn();
  } finally {
    p = ((await session.post('Profiler.stop')) as unknown as { profile: CpuProfile }).profile;
    session.disconnect();
  }
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i]!)!;
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    const cf = node.callFrame;
    const name = cf.functionName || '(anonymous)';
    const where = place(cf.url, cf.lineNumber, cf.columnNumber);
    const key = `${name} ${where}`;
    const e = self.get(key);
    if (e) e.us += dt;
    else self.set(key, { name, where, us: dt });
  }
  const hot = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, percent: (100 * e.us) / total }));
  return { hot, totalMs: total / 1000 };
}

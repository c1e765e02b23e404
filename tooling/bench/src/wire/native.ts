// Builds the benchmark's C load generators (blast.c, tcpc.c beside this file)
// with the machine's C compiler into a temporary directory, at bench time.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The built tools: paths of the executables, and `remove()` for the directory. */
export interface WireTools {
  /** UDP sender: `blast ADDR PORT PAYLOAD SECONDS` (blast.c). */
  readonly blast: string;
  /** TCP client: `tcpc crr ...` / `tcpc hold ...` (tcpc.c). */
  readonly tcpc: string;
  remove(): void;
}

/** Compiles blast.c and tcpc.c with `cc -O2`; throws with the compiler's message if it fails. */
export async function buildTools(): Promise<WireTools> {
  const dir = mkdtempSync(join(tmpdir(), 'stack-wire-'));
  const built: Record<string, string> = {};
  try {
    for (const name of ['blast', 'tcpc']) {
      const src = fileURLToPath(new URL(`./${name}.c`, import.meta.url));
      const out = join(dir, name);
      await run('cc', ['-O2', '-Wall', '-o', out, src]);
      built[name] = out;
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const err = e as { stderr?: string; message?: string };
    throw new Error(`wire: cannot build the C load generators with cc: ${err.stderr || err.message}`);
  }
  return { blast: built['blast']!, tcpc: built['tcpc']!, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

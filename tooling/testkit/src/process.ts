import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What a finished command left behind. */
export interface ExecResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of `run` and `Netns.exec`. */
export interface ExecOptions {
  /** Kill the command (SIGKILL) and reject after this many ms (default 30,000). */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. */
  input?: string | Uint8Array;
  /** Resolve with the result even when the exit code is not 0 (default: reject). */
  allowFailure?: boolean;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/** Raised by `run` for a non-zero exit (unless allowFailure) or a timeout; carries the result. */
export class ExecError extends Error {
  readonly result: ExecResult;
  constructor(message: string, result: ExecResult) {
    super(message);
    this.name = 'ExecError';
    this.result = result;
  }
}

/** Output kept per stream (the tail, when a command is chattier). */
const MAX_OUTPUT = 4 * 1024 * 1024;

/** Appends to a bounded text buffer. */
export function appendBounded(buf: string, chunk: string): string {
  const s = buf + chunk;
  return s.length > MAX_OUTPUT ? s.slice(s.length - MAX_OUTPUT) : s;
}

/**
 * Runs `cmd args` to completion, capturing stdout and stderr as text.
 * `track` sees the child while it runs (so a harness can kill it on cleanup).
 */
export function run(
  cmd: string,
  args: readonly string[],
  options: ExecOptions = {},
  track?: { add(c: ChildProcess): void; delete(c: ChildProcess): void },
): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const spawnOptions: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'] };
  if (options.env) spawnOptions.env = { ...process.env, ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, spawnOptions);
    track?.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout = appendBounded(stdout, d); });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr = appendBounded(stderr, d); });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      track?.delete(child);
      reject(new ExecError(`${cmd}: ${err.message}`, { code: null, signal: null, stdout, stderr }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      track?.delete(child);
      const result: ExecResult = { code, signal, stdout, stderr };
      const line = [cmd, ...args].join(' ');
      if (timedOut) reject(new ExecError(`timed out after ${timeoutMs} ms: ${line}\n${stderr}`, result));
      else if (code !== 0 && !options.allowFailure) {
        reject(new ExecError(`exit ${code ?? signal}: ${line}\n${stderr.trim()}`, result));
      } else resolve(result);
    });
    child.stdin!.on('error', () => { /* the command may exit without reading stdin */ });
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** True when a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // "pid (comm) S ...": a zombie has exited, it only waits to be reaped by its parent
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function killPid(pid: number, signal: NodeJS.Signals = 'SIGTERM'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Options of `waitFor`. */
export interface WaitForOptions {
  /** Give up (reject) after this many ms (default 10,000). */
  timeoutMs?: number;
  /** ms between two checks (default 20). */
  intervalMs?: number;
  /** What is awaited, for the error message (e.g. 'iperf3 -s to listen on 5201'). */
  what?: string;
}

/**
 * Polls `cond` (sync or async) every `intervalMs` until it returns true;
 * rejects after `timeoutMs` with an error naming `what`. For waiting on an
 * event outside the test's control (a process, the kernel), never for
 * asserting on timing. An error thrown by `cond` rejects at once.
 */
export async function waitFor(cond: () => Promise<boolean> | boolean, options: WaitForOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let checks = 0;
  for (;;) {
    checks++;
    if (await cond()) return;
    if (Date.now() >= deadline) {
      throw new Error(`waitFor: gave up after ${timeoutMs} ms (${checks} checks, every ${intervalMs} ms) waiting for ${options.what ?? 'a condition'}`);
    }
    await sleep(intervalMs);
  }
}

/** What `waitListening` needs of a namespace (a `Netns` has it). */
export interface CommandRunner {
  readonly name: string;
  exec(cmd: string, args?: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/**
 * Waits until something listens on TCP `port` (any address) in `ns`, as
 * `ss -Hltn '( sport = :PORT )'` shows it; rejects after `timeoutMs`
 * (default 15,000) naming the namespace and port.
 */
export function waitListening(ns: CommandRunner, port: number, options: WaitForOptions = {}): Promise<void> {
  return waitFor(async () => (await ns.exec('ss', ['-Hltn', `( sport = :${port} )`])).stdout.trim() !== '', {
    timeoutMs: 15_000,
    intervalMs: 50,
    ...options,
    what: `${options.what ?? 'a TCP listener'} on port ${port} in ${ns.name}`,
  });
}

/** SIGTERM, wait up to `graceMs` for the pids to go, then SIGKILL the rest. */
export async function terminate(pids: readonly number[], graceMs = 2000): Promise<void> {
  for (const pid of pids) killPid(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(20);
    alive = alive.filter(isAlive);
  }
  for (const pid of alive) killPid(pid, 'SIGKILL');
}

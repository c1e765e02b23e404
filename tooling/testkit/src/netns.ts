import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendBounded, ExecError, isAlive, killPid, run, terminate, type ExecOptions, type ExecResult } from './process.js';

/** A long-running process started with `Netns.spawn`; killed by the harness on cleanup. */
export interface NetnsProcess {
  /** The pid of the command itself (`ip netns exec` execs it). */
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything it printed so far (bounded to the last 4 MiB per stream). */
  stdout(): string;
  stderr(): string;
  /** Resolves when it exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout+stderr match `pattern`; rejects after `timeoutMs` (default 10 s) or if it exits first. */
  waitForOutput(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** Sends a signal (default SIGTERM) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Options of `addTap`. */
export interface TapOptions {
  /** Create with IFF_MULTI_QUEUE (several fds, one per queue). */
  multiQueue?: boolean;
  /** Set the MTU. */
  mtu?: number;
  /** Bring it up (default true). */
  up?: boolean;
}

/** Options of `addVethPair`. */
export interface VethOptions {
  /** Namespace of the second end (default: this one). */
  peer?: Netns;
  /** MAC addresses of the two ends ('02:..' form). */
  macA?: string;
  macB?: string;
  mtu?: number;
  /** Bring both ends up (default true). */
  up?: boolean;
}

/** A network namespace owned by one `withNetns` call. */
export interface Netns {
  /** Its name under /run/netns: `<prefix>-<pid>-<counter>`, unique per process and call. */
  readonly name: string;
  /** Runs `cmd args` inside the namespace to completion (default timeout 30 s; rejects on non-zero exit). */
  exec(cmd: string, args?: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** `exec('sh', ['-c', script])`. */
  sh(script: string, options?: ExecOptions): Promise<ExecResult>;
  /** `ip -n <name> args...`. */
  ip(...args: string[]): Promise<ExecResult>;
  /** Starts a long-running command inside the namespace; tracked by pid and killed on cleanup. */
  spawn(cmd: string, args?: readonly string[]): NetnsProcess;
  /** Creates a persistent TAP device in the namespace (`ip tuntap add mode tap`), up by default. */
  addTap(name: string, options?: TapOptions): Promise<void>;
  /** Creates a veth pair: `a` here, `b` in `options.peer` (or here), both up by default. */
  addVethPair(a: string, b: string, options?: VethOptions): Promise<void>;
  /** Adds an address (`10.77.0.1/24`) to a device. */
  addr(dev: string, cidr: string): Promise<void>;
  /** Brings a device up. */
  up(dev: string): Promise<void>;
  /** Pids of every process that lives in the namespace (`ip netns pids`). */
  pids(): Promise<number[]>;
}

/** Options of `withNetns`. */
export interface NetnsOptions {
  /** Name prefix (default 'stk'): namespaces are `<prefix>-<pid>-<n>`. */
  prefix?: string;
  /** ms between SIGTERM and SIGKILL on cleanup (default 2000). */
  killGraceMs?: number;
}

let counter = 0;
let sweptStale = false;

/**
 * Namespaces and spawned pids not yet cleaned up, for the last resort below:
 * when a test times out its `withNetns` callback never settles, so its
 * `finally` never runs; the process exiting must still kill what it started.
 */
const live = new Map<string, Set<number>>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const [name, pids] of live) {
      for (const pid of pids) killPid(pid, 'SIGKILL');
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 5_000 });
      } catch {
        // deleted already, or ip is gone: the next run's sweep removes it
      }
    }
  });
}

/**
 * Creates a uniquely named network namespace (loopback up), hands it to `fn`,
 * and ALWAYS cleans up afterwards — also when `fn` throws: every process it
 * spawned (and anything else left inside the namespace) is killed by pid,
 * then the namespace is deleted. Needs root and iproute2. Nest calls for
 * several namespaces.
 *
 * ```ts
 * await withNetns(async (a) => withNetns(async (b) => {
 *   await a.addVethPair('va', 'vb', { peer: b });
 *   await a.addr('va', '10.77.0.1/24');
 *   await b.addr('vb', '10.77.0.2/24');
 *   await a.exec('ping', ['-c1', '-W2', '10.77.0.2']);
 * }));
 * ```
 */
export async function withNetns<T>(fn: (ns: Netns) => Promise<T>, options: NetnsOptions = {}): Promise<T> {
  const prefix = options.prefix ?? 'stk';
  if (!/^[a-z][a-z0-9]*$/.test(prefix)) throw new Error(`withNetns: prefix must be lower-case letters and digits, got '${prefix}'`);
  if (!sweptStale) {
    sweptStale = true;
    await sweepStale(prefix);
  }
  const name = `${prefix}-${process.pid}-${++counter}`;
  const running = new Set<ChildProcess>();
  const spawned = new Set<number>();
  hookExit();
  await run('ip', ['netns', 'add', name]);
  live.set(name, spawned);
  try {
    const ns = makeNetns(name, running, spawned);
    await ns.ip('link', 'set', 'lo', 'up');
    return await fn(ns);
  } finally {
    await cleanup(name, running, spawned, options.killGraceMs ?? 2000);
    live.delete(name);
  }
}

function makeNetns(name: string, running: Set<ChildProcess>, spawned: Set<number>): Netns {
  const exec = (cmd: string, args: readonly string[] = [], options: ExecOptions = {}): Promise<ExecResult> =>
    run('ip', ['netns', 'exec', name, cmd, ...args], options, running);
  const ip = (...args: string[]): Promise<ExecResult> => run('ip', ['-n', name, ...args], {}, running);
  const ns: Netns = {
    name,
    exec,
    sh: (script, options) => exec('sh', ['-c', script], options),
    ip,
    spawn(cmd, args = []) {
      const child = spawn('ip', ['netns', 'exec', name, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      if (child.pid === undefined) throw new Error(`spawn ${cmd} in ${name} failed`);
      const pid = child.pid;
      spawned.add(pid);
      let out = '';
      let err = '';
      const listeners = new Set<() => void>();
      const notify = (): void => { for (const l of listeners) l(); };
      child.stdout!.setEncoding('utf8').on('data', (d: string) => { out = appendBounded(out, d); notify(); });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => { err = appendBounded(err, d); notify(); });
      let done = false;
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
        child.on('close', (code, signal) => {
          done = true;
          spawned.delete(pid);
          notify();
          resolve({ code, signal });
        });
        child.on('error', () => {
          done = true;
          spawned.delete(pid);
          notify();
          resolve({ code: null, signal: null });
        });
      });
      return {
        pid,
        child,
        stdout: () => out,
        stderr: () => err,
        exited,
        waitForOutput(pattern, timeoutMs = 10_000) {
          const matches = (): boolean => {
            const text = out + err;
            return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
          };
          return new Promise<void>((resolve, reject) => {
            const check = (): void => {
              if (matches()) finish();
              else if (done) finish(new Error(`${cmd} exited before printing ${String(pattern)}; output:\n${out}${err}`));
            };
            const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)} from ${cmd}; output:\n${out}${err}`)), timeoutMs);
            const finish = (error?: Error): void => {
              clearTimeout(timer);
              listeners.delete(check);
              if (error) reject(error);
              else resolve();
            };
            listeners.add(check);
            check();
          });
        },
        async kill(signal = 'SIGTERM') {
          if (!done) child.kill(signal);
          await exited;
        },
      };
    },
    async addTap(dev, options = {}) {
      await ip('tuntap', 'add', 'dev', dev, 'mode', 'tap', ...(options.multiQueue ? ['multi_queue'] : []));
      if (options.mtu !== undefined) await ip('link', 'set', dev, 'mtu', String(options.mtu));
      if (options.up ?? true) await ip('link', 'set', dev, 'up');
    },
    async addVethPair(a, b, options = {}) {
      const peer = options.peer ?? ns;
      await run('ip', [
        'link', 'add', a, 'netns', name, ...(options.macA ? ['address', options.macA] : []),
        'type', 'veth', 'peer', 'name', b, 'netns', peer.name, ...(options.macB ? ['address', options.macB] : []),
      ]);
      if (options.mtu !== undefined) {
        await ip('link', 'set', a, 'mtu', String(options.mtu));
        await peer.ip('link', 'set', b, 'mtu', String(options.mtu));
      }
      if (options.up ?? true) {
        await ip('link', 'set', a, 'up');
        await peer.ip('link', 'set', b, 'up');
      }
    },
    async addr(dev, cidr) {
      await ip('addr', 'add', cidr, 'dev', dev);
    },
    async up(dev) {
      await ip('link', 'set', dev, 'up');
    },
    async pids() {
      const r = await run('ip', ['netns', 'pids', name], { allowFailure: true });
      return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter(Number.isInteger);
    },
  };
  return ns;
}

async function cleanup(name: string, running: Set<ChildProcess>, spawned: Set<number>, graceMs: number): Promise<void> {
  const errors: unknown[] = [];
  try {
    // 1. what we started, by pid; then whatever else still lives in the namespace (grandchildren, daemons)
    const ours = [...spawned, ...[...running].map((c) => c.pid).filter((p): p is number => p !== undefined)];
    await terminate(ours, graceMs);
    const r = await run('ip', ['netns', 'pids', name], { allowFailure: true, timeoutMs: 10_000 });
    const inside = r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => Number.isInteger(p) && isAlive(p));
    if (inside.length > 0) await terminate(inside, graceMs);
  } catch (e) {
    errors.push(e);
  }
  try {
    // 2. the namespace itself (its devices go with it)
    await run('ip', ['netns', 'del', name], { timeoutMs: 10_000 });
  } catch (e) {
    errors.push(e);
  }
  if (errors.length > 0) {
    const message = errors.map((e) => (e instanceof ExecError || e instanceof Error ? e.message : String(e))).join('\n');
    // Do not hide the test's own error behind a cleanup error: report on stderr.
    process.stderr.write(`withNetns: cleanup of ${name} had problems:\n${message}\n`);
  }
}

/** Deletes namespaces `<prefix>-<pid>-<n>` left by processes that no longer exist (a SIGKILLed test run). */
async function sweepStale(prefix: string): Promise<void> {
  const r = await run('ip', ['netns', 'list'], { allowFailure: true });
  const re = new RegExp(`^${prefix}-(\\d+)-\\d+$`);
  for (const line of r.stdout.split('\n')) {
    const ns = line.split(/\s+/)[0] ?? '';
    const m = re.exec(ns);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    await run('ip', ['netns', 'del', ns], { allowFailure: true });
  }
}

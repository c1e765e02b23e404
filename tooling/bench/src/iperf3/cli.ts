// iperf3 over a socket stack (@stack/stack-socket: the kernel's TCP behind
// the Stack contract), from the command line, for benchmarks and peer tests:
//
//   node --conditions=@stack/source --import tsx tooling/bench/src/iperf3/cli.ts server [--port 5201] [--bind 0.0.0.0] [--once]
//   node --conditions=@stack/source --import tsx tooling/bench/src/iperf3/cli.ts client HOST [--port 5201]
//        [-t SECONDS] [-P STREAMS] [-R] [--bidir] [-l BLOCK] [-n BYTES] [-b BITS_PER_S]
//
// The server prints "listening on PORT" on stderr once it listens, then one
// JSON line on stdout per test: {"event":"test",...summary} or
// {"event":"failure",...}; SIGTERM/SIGINT close it (exit 0). --once: exit
// after the first test. The client prints its result as one JSON line
// ({"event":"result",...}), or {"event":"error","code",...} and exits 1.
import { createSocketStack } from '@stack/stack-socket';
import { Iperf3Error, runIperf3Client } from './client.js';
import { serveIperf3 } from './server.js';

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: cli.ts server [--port N] [--bind ADDR] [--once]\n       cli.ts client HOST [--port N] [-t S] [-P N] [-R] [--bidir] [-l BYTES] [-n BYTES] [-b BPS]\n`);
  process.exit(2);
}

function parseArgs(args: string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const boolean = new Set(['-R', '--reverse', '--bidir', '--once']);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) positional.push(a);
    else if (boolean.has(a)) flags.set(a, true);
    else {
      const v = args[++i];
      if (v === undefined) usage(`${a} needs a value`);
      flags.set(a, v);
    }
  }
  return { positional, flags };
}

function num(flags: Map<string, string | true>, names: string[], dflt: number): number {
  for (const n of names) {
    const v = flags.get(n);
    if (typeof v === 'string') {
      const x = Number(v);
      if (!Number.isFinite(x)) usage(`${n} needs a number, got ${v}`);
      return x;
    }
  }
  return dflt;
}

const line = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

const [mode, ...rest] = process.argv.slice(2);
const { positional, flags } = parseArgs(rest);
const port = num(flags, ['--port', '-p'], 5201);

if (mode === 'server') {
  const bind = flags.get('--bind');
  const stack = createSocketStack({ name: 'iperf3-server', ...(typeof bind === 'string' ? { address: bind } : {}) });
  const once = flags.has('--once');
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await stack.close();
    process.exit(0);
  };
  const server = serveIperf3(stack, {
    port,
    onTest: (summary) => {
      line({ event: 'test', ...summary });
      if (once) void stop();
    },
  });
  const failures = server.failures;
  let reported = 0;
  // Failures have no callback: report them as they come (polling the list is enough for a CLI).
  setInterval(() => {
    while (reported < failures.length) line({ event: 'failure', ...failures[reported++]! });
  }, 100).unref();
  await server.ready;
  process.stderr.write(`listening on ${port}\n`);
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
} else if (mode === 'client') {
  const host = positional[0];
  if (host === undefined) usage('client needs a HOST');
  const stack = createSocketStack({ name: 'iperf3-client' });
  try {
    const r = await runIperf3Client(stack, host, {
      port,
      seconds: num(flags, ['-t', '--time'], 10),
      parallel: num(flags, ['-P', '--parallel'], 1),
      reverse: flags.has('-R') || flags.has('--reverse'),
      bidirectional: flags.has('--bidir'),
      blockSize: num(flags, ['-l', '--length'], 128 * 1024),
      bytes: num(flags, ['-n', '--bytes'], 0),
      bitsPerSecond: num(flags, ['-b', '--bitrate'], 0),
    });
    line({ event: 'result', ...r });
    await stack.close();
  } catch (e) {
    await stack.close();
    if (!(e instanceof Iperf3Error)) throw e;
    line({ event: 'error', code: e.code, message: e.message, detail: e.detail ?? null });
    process.exit(1);
  }
} else {
  usage(`unknown mode ${String(mode)}`);
}

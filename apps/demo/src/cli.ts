import { Command, InvalidArgumentError, Option } from 'commander';

/** The demo's options after parsing and validation. */
export interface DemoOptions {
  /** Seed of the whole simulation: same seed, same run, same pcap bytes. */
  seed: number;
  /** Frame loss on every host's link, in percent (each direction). */
  loss: number;
  /** Write every frame of the run here (pcapng, one interface per host). */
  pcap: string | undefined;
  /** Print one decoded line per frame as well. */
  trace: boolean;
  /** Print only the summary. */
  quiet: boolean;
}

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
    throw new InvalidArgumentError(`"${value}" is not a seed; use a whole number from 0 to 4294967295.`);
  }
  return Number(value);
}

function parseLoss(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError(`"${value}" is not a loss rate; use a percentage from 0 to 100 (e.g. 5 or 2.5).`);
  }
  return n;
}

/** Parses argv (without node and script) into DemoOptions; exits with a message on a bad flag. */
export function parseDemoArgs(argv: readonly string[], exit = true): DemoOptions {
  const program = new Command('stack-demo')
    .description(
      'A simulated network of three @stack hosts on a learning bridge, all in virtual time from one seed: ' +
        'ARP, ping, UDP echo, a fragmented datagram, a TCP echo (RFC 862) and a 1 MiB TCP transfer ' +
        'checked by SHA-256, with ss-like connection lines. Exits 0 when every exchange succeeded.',
    )
    .addOption(new Option('--seed <n>', 'seed of the simulation (0..4294967295)').default(7).argParser(parseSeed))
    .addOption(new Option('--loss <pct>', 'frame loss on every link, percent (0..100)').default(0).argParser(parseLoss))
    .addOption(new Option('--pcap <path>', 'write every frame to this pcapng file'))
    .addOption(new Option('--trace', 'print a decoded line per frame').default(false))
    .addOption(new Option('-q, --quiet', 'print only the summary').default(false))
    .showHelpAfterError('(run with --help for the flags)')
    .allowExcessArguments(false);
  if (!exit) program.exitOverride().configureOutput({ writeErr: () => {} });
  program.parse([...argv], { from: 'user' });
  const o = program.opts<{ seed: number; loss: number; pcap?: string; trace: boolean; quiet: boolean }>();
  return { seed: o.seed, loss: o.loss, pcap: o.pcap, trace: o.trace, quiet: o.quiet };
}

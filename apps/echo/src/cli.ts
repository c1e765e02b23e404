import { Command, InvalidArgumentError, Option } from 'commander';
import { isStackError } from '@stack/interfaces';
import { formatIpv4, parseCidr as parseWireCidr, parseIpv4 as parseWireIpv4 } from '@stack/wire';

/** Which stack the echo server runs on: ours over a TAP, or the kernel's through Node's sockets. */
export type NetKind = 'direct' | 'socket';

/** Log levels the server accepts (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The echo server's options after parsing and validation. */
export interface EchoOptions {
  net: NetKind;
  /** TAP device to open (direct only). */
  tap: string | undefined;
  /** Our address with prefix (direct: required; socket: the address to bind, default 127.0.0.1). */
  ip: { address: string; prefix: number } | undefined;
  /** Default gateway (direct only). */
  gateway: string | undefined;
  /** The echo port, TCP and UDP (RFC 862: 7). */
  port: number;
  /** Accept queue length of the TCP listener; undefined: the stack's default. */
  backlog: number | undefined;
  /** At most this many TCP connections at once; undefined: the stack's default. */
  maxConnections: number | undefined;
  /** Write every frame to this pcap file (direct only). */
  pcap: string | undefined;
  /** MTU of the TAP (direct only; the kernel side must match). */
  mtu: number;
  /** Negotiate checksum and segmentation offloads with the TAP (direct only). */
  offloads: boolean;
  logLevel: LogLevel;
}

function parseIntIn(what: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`"${value}" is not a valid ${what}; use a whole number from ${min} to ${max}.`);
    }
    return Number(value);
  };
}

/** `--ip`: @stack/wire's parseCidr, its StackError turned into commander's error for the flag. */
function parseCidr(value: string): { address: string; prefix: number } {
  try {
    const cidr = parseWireCidr(value);
    return { address: formatIpv4(cidr.address), prefix: cidr.prefix };
  } catch (err) {
    if (!isStackError(err, 'ERR_INVALID_ARGUMENT')) throw err;
    throw new InvalidArgumentError(
      `"${value}" is not an IPv4 address with prefix; use ADDR/PREFIX, e.g. 10.77.0.2/24 (a dotted quad without leading zeros, a prefix from 0 to 32).`,
    );
  }
}

/** `--gateway`: @stack/wire's parseIpv4. */
function parseIpv4(value: string): string {
  const address = parseWireIpv4(value);
  if (address === undefined) throw new InvalidArgumentError(`"${value}" is not an IPv4 address; use a dotted quad without leading zeros, e.g. 10.77.0.1.`);
  return formatIpv4(address);
}

function parseTapName(value: string): string {
  // Linux interface names: 1..15 bytes, no '/', no whitespace, not '.' or '..' (IFNAMSIZ 16 with the NUL).
  if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(value) || value === '.' || value === '..') {
    throw new InvalidArgumentError(`"${value}" is not a TAP name; use 1 to 15 letters, digits, '_', '-', '.' or ':' (e.g. tap0).`);
  }
  return value;
}

/**
 * Parses argv (without node and script) into EchoOptions. The environment
 * variables NET, TAP, IP and LOG_LEVEL (commander reads them from
 * process.env) are alternatives to their flags; a flag wins over its
 * variable. With `exit` false a bad flag throws commander's error instead
 * of exiting.
 */
export function parseEchoArgs(argv: readonly string[], exit = true): EchoOptions {
  const program = new Command('stack-echo')
    .description(
      'RFC 862 echo server on TCP and UDP. --net direct runs @stack\'s own TCP/IP on a TAP device ' +
        '(needs root or CAP_NET_ADMIN); --net socket runs on the kernel\'s stack through Node\'s sockets. ' +
        'SIGUSR2 prints the stack\'s state as JSON on stdout; SIGINT or SIGTERM closes every connection and exits 0.',
    )
    .addOption(new Option('--net <kind>', 'which stack: direct (ours, on a TAP) or socket (the kernel\'s)').choices(['direct', 'socket']).env('NET').default('direct'))
    .addOption(new Option('--tap <name>', 'TAP device to open (direct), created if missing').env('TAP').argParser(parseTapName))
    .addOption(new Option('--ip <addr/prefix>', 'our address, e.g. 10.77.0.2/24 (direct: required; socket: the address to listen on)').env('IP').argParser(parseCidr))
    .addOption(new Option('--gateway <addr>', 'default gateway (direct)').argParser(parseIpv4))
    .addOption(new Option('--port <n>', 'echo port, TCP and UDP').default(7).argParser(parseIntIn('port', 1, 65535)))
    .addOption(new Option('--backlog <n>', 'TCP accept queue length (default: the stack\'s)').argParser(parseIntIn('backlog', 1, 65535)))
    .addOption(new Option('--max-connections <n>', 'TCP connections at once (default: the stack\'s)').argParser(parseIntIn('connection limit', 1, 10_000_000)))
    .addOption(new Option('--pcap <path>', 'write every frame to this pcap file (direct)'))
    .addOption(new Option('--mtu <n>', 'MTU of the TAP (direct); the kernel side must match').default(1500).argParser(parseIntIn('MTU', 576, 65521)))
    .addOption(new Option('--no-offloads', 'do not negotiate checksum/GSO offloads with the TAP (direct)'))
    .addOption(new Option('--log-level <level>', 'log level').choices([...LOG_LEVELS]).env('LOG_LEVEL').default('info'))
    .showHelpAfterError('(run with --help for the flags)')
    .allowExcessArguments(false);
  if (!exit) program.exitOverride().configureOutput({ writeErr: () => {} });
  program.parse([...argv], { from: 'user' });
  const o = program.opts<{
    net: NetKind;
    tap?: string;
    ip?: { address: string; prefix: number };
    gateway?: string;
    port: number;
    backlog?: number;
    maxConnections?: number;
    pcap?: string;
    mtu: number;
    offloads: boolean;
    logLevel: LogLevel;
  }>();
  const fail = (message: string): never => {
    if (!exit) throw new InvalidArgumentError(message);
    program.error(`error: ${message}`, { exitCode: 2 });
    throw new Error('unreachable');
  };
  if (o.net === 'direct') {
    if (o.tap === undefined) fail('--net direct needs --tap NAME (or TAP=NAME): the TAP device to run on, e.g. --tap tap0');
    if (o.ip === undefined) fail('--net direct needs --ip ADDR/PREFIX (or IP=...): our address on the TAP, e.g. --ip 10.77.0.2/24');
  } else {
    // A flag meant for the TAP is a mistake; a TAP variable left in the environment is not.
    for (const [flag, key] of [['--tap', 'tap'], ['--gateway', 'gateway'], ['--pcap', 'pcap'], ['--mtu', 'mtu'], ['--no-offloads', 'offloads']] as const) {
      if (program.getOptionValueSource(key) === 'cli') fail(`${flag} is for --net direct; --net socket uses the kernel's interfaces`);
    }
  }
  return {
    net: o.net,
    tap: o.tap,
    ip: o.ip,
    gateway: o.gateway,
    port: o.port,
    backlog: o.backlog,
    maxConnections: o.maxConnections,
    pcap: o.pcap,
    mtu: o.mtu,
    offloads: o.offloads,
    logLevel: o.logLevel,
  };
}

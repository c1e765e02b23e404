// RFC 862 echo server on @stack: `npm run echo -- --net direct --tap tap0 --ip 10.77.0.2/24`,
// or `--net socket` for the kernel's stack. See --help.
import { pino } from 'pino';
import { formatIpv4 } from '@stack/wire';
import { parseEchoArgs } from './cli.js';
import { serveEcho } from './server.js';
import { buildStack } from './stack.js';

const options = parseEchoArgs(process.argv.slice(2));
// Logs go to stderr as JSON lines; stdout carries only what SIGUSR2 asks for.
const log = pino({ name: 'stack-echo', level: options.logLevel }, pino.destination({ fd: 2, sync: true }));

let built;
try {
  built = await buildStack(options);
} catch (err) {
  const e = err as { code?: string; message?: string };
  log.fatal({ code: e.code }, `cannot start: ${e.message ?? String(err)}`);
  process.exit(1);
}
const { stack } = built;

let server;
try {
  server = serveEcho(stack, options.port, { backlog: options.backlog }, {
    onConnection: (flow) => log.debug({ remote: `${formatIpv4(flow.remote.address)}:${flow.remote.port}` }, 'connection'),
    onEnd: (flow, bytes, error) =>
      log.debug({ remote: `${formatIpv4(flow.remote.address)}:${flow.remote.port}`, bytes, error }, 'connection ended'),
  });
  // The kernel's stack (--net socket) binds a tick after listen: a port another process holds shows here.
  await server.ready;
} catch (err) {
  const e = err as { code?: string; message?: string };
  log.fatal({ code: e.code }, `cannot listen on port ${options.port}: ${e.message ?? String(err)}`);
  await built.close();
  process.exit(1);
}

log.info(
  {
    net: options.net,
    address: formatIpv4(stack.address),
    port: options.port,
    ...(options.tap === undefined ? {} : { tap: options.tap }),
    ...(built.device === undefined ? {} : { capabilities: built.device.capabilities }),
  },
  `echo listening on ${formatIpv4(stack.address)}:${options.port} (tcp, udp)`,
);

process.on('SIGUSR2', () => {
  process.stdout.write(`${JSON.stringify({ echo: server.counters, stack: stack.inspect() })}\n`);
});

let stopping = false;
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return;
  stopping = true;
  log.info({ signal, open: server.counters.open }, 'closing every connection');
  void (async () => {
    await server.close();
    await built.close();
    log.info({ ...server.counters }, 'stopped');
    process.exit(0);
  })().catch((err: unknown) => {
    log.error({ err }, 'error while stopping');
    process.exit(1);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

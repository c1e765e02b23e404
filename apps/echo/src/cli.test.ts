import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEchoArgs } from './cli.js';

/** The variables the CLI reads; each parse sees exactly `env` of them (the rest unset), whatever the shell running the tests has. */
const VARS = ['NET', 'TAP', 'IP', 'LOG_LEVEL'] as const;
afterEach(() => {
  vi.unstubAllEnvs();
});

const parse = (argv: string[], env: Partial<Record<(typeof VARS)[number], string>> = {}) => {
  for (const k of VARS) vi.stubEnv(k, env[k]);
  return parseEchoArgs(argv, false);
};
const errorOf = (argv: string[], env: Partial<Record<(typeof VARS)[number], string>> = {}): string => {
  try {
    parse(argv, env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('no error');
};

describe('echo CLI', () => {
  it('takes the flags of the README example', () => {
    const o = parse(['--net', 'direct', '--tap', 'tap0', '--ip', '10.77.0.2/24']);
    expect(o).toMatchObject({ net: 'direct', tap: 'tap0', ip: { address: '10.77.0.2', prefix: 24 }, port: 7, mtu: 1500, offloads: true });
    expect(o.backlog).toBeUndefined();
    expect(parse(['--net', 'direct', '--tap', 'tap0', '--ip', '10.77.0.2/0', '--gateway', '10.77.0.1'])).toMatchObject({ ip: { address: '10.77.0.2', prefix: 0 }, gateway: '10.77.0.1' });
  });

  it('reads NET, TAP and IP from the environment; a flag wins', () => {
    expect(parse([], { NET: 'direct', TAP: 'tap9', IP: '192.0.2.5/28' })).toMatchObject({ net: 'direct', tap: 'tap9', ip: { address: '192.0.2.5', prefix: 28 } });
    expect(parse(['--tap', 'tap1'], { NET: 'direct', TAP: 'tap9', IP: '192.0.2.5/28' }).tap).toBe('tap1');
    expect(parse([], { NET: 'socket' }).net).toBe('socket');
  });

  it('reads the environment, never writes it', () => {
    const before = { ...process.env };
    parseEchoArgs(['--net', 'direct', '--tap', 'tap0', '--ip', '10.77.0.2/24', '--log-level', 'warn'], false);
    expect(process.env).toEqual(before);
  });

  it('takes LOG_LEVEL from the environment; the flag wins', () => {
    expect(parse(['--net', 'socket'], { LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(parse(['--net', 'socket', '--log-level', 'warn'], { LOG_LEVEL: 'debug' }).logLevel).toBe('warn');
    expect(parse(['--net', 'socket']).logLevel).toBe('info');
  });

  it('takes the numeric flags within their ranges', () => {
    const o = parse(['--net', 'socket', '--port', '7007', '--backlog', '128', '--max-connections', '20000']);
    expect(o).toMatchObject({ port: 7007, backlog: 128, maxConnections: 20000 });
  });

  it('says what is wrong and what is allowed', () => {
    expect(errorOf(['--net', 'kernel'])).toMatch(/Allowed choices are direct, socket/);
    expect(errorOf(['--net', 'socket', '--port', '70000'])).toMatch(/"70000" is not a valid port; use a whole number from 1 to 65535/);
    expect(errorOf(['--net', 'socket', '--port', '-1'])).toMatch(/port/);
    expect(errorOf(['--net', 'direct', '--tap', 'tap0', '--ip', '10.77.0.2'])).toMatch(/ADDR\/PREFIX, e.g. 10.77.0.2\/24/);
    expect(errorOf(['--net', 'direct', '--tap', 'tap0', '--ip', '10.77.0.300/24'])).toMatch(/not an IPv4 address with prefix/);
    expect(errorOf(['--net', 'direct', '--tap', 'tap0', '--ip', '10.77.0.2/33'])).toMatch(/"10.77.0.2\/33" is not an IPv4 address with prefix; .*a prefix from 0 to 32/);
    expect(errorOf(['--net', 'direct', '--tap', 'tap0', '--ip', '10.077.0.2/24'])).toMatch(/without leading zeros/);
    expect(errorOf(['--net', 'direct', '--tap', 'tap0', '--ip', '10.0.0.1/8', '--gateway', '10.0.0.256'])).toMatch(/"10.0.0.256" is not an IPv4 address; use a dotted quad/);
    expect(errorOf(['--net', 'direct', '--tap', 'a/b', '--ip', '10.0.0.1/8'])).toMatch(/not a TAP name/);
    expect(errorOf(['--net', 'direct', '--tap', 'x'.repeat(16), '--ip', '10.0.0.1/8'])).toMatch(/1 to 15/);
    expect(errorOf(['--bogus'])).toMatch(/unknown option '--bogus'/);
  });

  it('direct needs a TAP and an address', () => {
    expect(errorOf(['--net', 'direct', '--ip', '10.0.0.1/8'])).toMatch(/needs --tap NAME/);
    expect(errorOf(['--net', 'direct', '--tap', 'tap0'])).toMatch(/needs --ip ADDR\/PREFIX/);
  });

  it('socket refuses the TAP flags, but not a TAP variable left in the environment', () => {
    expect(errorOf(['--net', 'socket', '--tap', 'tap0'])).toMatch(/--tap is for --net direct/);
    expect(errorOf(['--net', 'socket', '--pcap', 'x.pcap'])).toMatch(/--pcap is for --net direct/);
    expect(parse(['--net', 'socket'], { TAP: 'tap0' }).net).toBe('socket');
  });
});

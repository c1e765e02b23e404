import { describe, expect, it } from 'vitest';
import { parseEchoArgs } from './cli.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseEchoArgs(argv, env, false);
const errorOf = (argv: string[], env: NodeJS.ProcessEnv = {}): string => {
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
  });

  it('reads NET, TAP and IP from the environment; a flag wins', () => {
    expect(parse([], { NET: 'direct', TAP: 'tap9', IP: '192.0.2.5/28' })).toMatchObject({ net: 'direct', tap: 'tap9', ip: { address: '192.0.2.5', prefix: 28 } });
    expect(parse(['--tap', 'tap1'], { NET: 'direct', TAP: 'tap9', IP: '192.0.2.5/28' }).tap).toBe('tap1');
    expect(parse([], { NET: 'socket' }).net).toBe('socket');
  });

  it('does not leak the environment it was given into process.env', () => {
    const before = process.env.TAP;
    parse([], { NET: 'direct', TAP: 'leak0', IP: '10.0.0.1/8' });
    expect(process.env.TAP).toBe(before);
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

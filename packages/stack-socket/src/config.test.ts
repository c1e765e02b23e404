import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { resolveSocketStackConfig, SOCKET_TCP_DEFAULTS, SOCKET_UDP_DEFAULTS, type SocketStackOptions } from './config.js';
import { createSocketStack } from './stack.js';

function configError(options: unknown): string {
  try {
    resolveSocketStackConfig(options as SocketStackOptions);
  } catch (err) {
    if (isStackError(err, 'ERR_INVALID_CONFIG')) return err.message;
    throw err;
  }
  throw new Error('no error');
}

describe('socket stack config', () => {
  it('fills in every default, as plain JSON', () => {
    const { config, bind, address } = resolveSocketStackConfig();
    expect(config).toEqual({ name: 'socket', address: '0.0.0.0', tcp: SOCKET_TCP_DEFAULTS, udp: SOCKET_UDP_DEFAULTS });
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(bind).toBe(0);
    expect(address).toBe(0x7f000001); // 0.0.0.0 binds every address; stack.address says loopback
  });

  it('takes a specific address as text or number, and it becomes stack.address', () => {
    expect(resolveSocketStackConfig({ address: '127.0.0.1' })).toMatchObject({ bind: 0x7f000001, address: 0x7f000001, config: { address: '127.0.0.1' } });
    expect(resolveSocketStackConfig({ address: 0x0a000002 })).toMatchObject({ bind: 0x0a000002, address: 0x0a000002, config: { address: '10.0.0.2' } });
    expect(resolveSocketStackConfig({ tcp: { noDelay: true, backlog: 16 } }).config.tcp).toMatchObject({ noDelay: true, backlog: 16, maxConnections: 262_144 });
  });

  it('rejects what is wrong with ERR_INVALID_CONFIG saying what is allowed', () => {
    expect(configError('x')).toMatch(/must be an object/);
    expect(configError({ adress: '1.2.3.4' })).toMatch(/unknown option "adress".*known: name, address, tcp, udp/);
    expect(configError({ name: '' })).toMatch(/name must be a non-empty string/);
    expect(configError({ address: '1.2.3' })).toMatch(/address: not an IPv4 address/);
    expect(configError({ address: '::1' })).toMatch(/address/);
    expect(configError({ tcp: { backlog: -1 } })).toMatch(/tcp: backlog must be an integer 0\.\.1000000, got -1/);
    expect(configError({ tcp: { maxConnections: 0 } })).toMatch(/maxConnections must be an integer 1\.\./);
    expect(configError({ tcp: { noDelay: 'yes' } })).toMatch(/noDelay must be true or false/);
    expect(configError({ tcp: { keepaliveIdle: 1500 } })).toMatch(/whole seconds/);
    expect(configError({ tcp: { connectTimeout: -5 } })).toMatch(/connectTimeout/);
    expect(configError({ tcp: { readBufferSize: 0 } })).toMatch(/readBufferSize/);
    expect(configError({ tcp: { mss: 1400 } })).toMatch(/"mss" is not a socket-stack option: the kernel's stack owns it/);
    expect(configError({ tcp: { keepAlive: true } })).toMatch(/unknown option "keepAlive".*keepalive/);
    expect(configError({ tcp: 3 })).toMatch(/tcp must be an object/);
    expect(configError({ udp: { recvBufferSize: -1 } })).toMatch(/udp: recvBufferSize/);
    expect(configError({ udp: { ephemeralMin: 1024 } })).toMatch(/kernel's stack owns it/);
  });

  it('createSocketStack throws it too, and exposes the resolved config', async () => {
    expect(() => createSocketStack({ tcp: { backlog: 1.5 } })).toThrow(/backlog/);
    await using stack = createSocketStack({ name: 'cfg', udp: { recvBufferSize: 65_536 } });
    expect(stack.name).toBe('cfg');
    expect(stack.address).toBe(0x7f000001);
    expect(stack.config.udp.recvBufferSize).toBe(65_536);
    expect(Object.isFrozen(stack.config)).toBe(true);
  });
});

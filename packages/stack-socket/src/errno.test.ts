import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { bindError, connectErrorOf, errnoOf, flowErrorOf, udpSendErrorOf, validPort } from './errno.js';

describe('errno mapping', () => {
  it('maps connect(2) errors to ConnectError values', () => {
    expect(connectErrorOf('ECONNREFUSED')).toBe('refused');
    expect(connectErrorOf('ETIMEDOUT')).toBe('timeout');
    expect(connectErrorOf('EHOSTUNREACH')).toBe('unreachable');
    expect(connectErrorOf('ENETUNREACH')).toBe('unreachable');
    expect(connectErrorOf('ECONNRESET')).toBe('reset');
    expect(connectErrorOf('EPIPE')).toBe('reset');
    expect(connectErrorOf('EWHATEVER')).toBe('unreachable');
  });

  it('maps errors of an established connection to FlowError values', () => {
    expect(flowErrorOf('ECONNRESET')).toBe('reset');
    expect(flowErrorOf('EPIPE')).toBe('reset');
    expect(flowErrorOf('ETIMEDOUT')).toBe('timeout');
    expect(flowErrorOf('EHOSTUNREACH')).toBe('timeout');
    expect(flowErrorOf('EPROTO')).toBe('reset');
  });

  it('maps sendmsg(2) errors to UdpSendError values', () => {
    expect(udpSendErrorOf('ENETUNREACH')).toBe('no-route');
    expect(udpSendErrorOf('EACCES')).toBe('no-route');
    expect(udpSendErrorOf('EMSGSIZE')).toBe('too-big');
    expect(udpSendErrorOf('ENOBUFS')).toBe('queue-full');
    expect(udpSendErrorOf('ECANCELED')).toBe('closed');
  });

  it('reads the errno of a Node error', () => {
    expect(errnoOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(errnoOf(new Error('x'))).toBe('UNKNOWN');
    expect(errnoOf(null)).toBe('UNKNOWN');
  });

  it('maps bind(2)/listen(2) errors to StackErrors that name the address and the errno', () => {
    const cause = new Error('x');
    const cases = [['EADDRINUSE', 'ERR_PORT_IN_USE'], ['EADDRNOTAVAIL', 'ERR_INVALID_ARGUMENT'], ['EACCES', 'ERR_INVALID_ARGUMENT'], ['EIO', 'ERR_DEVICE']] as const;
    for (const [errno, code] of cases) {
      const e = bindError('udp: cannot bind', errno, 0x7f000001, 53, cause);
      expect(isStackError(e, code)).toBe(true);
      expect(e.message).toContain('udp: cannot bind 127.0.0.1:53');
      expect(e.message).toContain(errno);
      expect(e.cause).toBe(cause);
    }
    expect([validPort(0, 0), validPort(0, 1), validPort(65_535, 1), validPort(65_536, 0), validPort(1.5, 0), validPort('7', 0)]).toEqual([true, false, true, false, false, false]);
  });
});

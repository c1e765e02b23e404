import { describe, expect, it } from 'vitest';
import { connectErrorOf, errnoOf, flowErrorOf, udpSendErrorOf } from './errno.js';

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
});

import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { TCP_DEFAULTS, resolveTcpConfig } from './config.js';

describe('TcpConfig', () => {
  it('fills in frozen defaults', () => {
    const c = resolveTcpConfig();
    expect(c).toEqual(TCP_DEFAULTS);
    expect(Object.isFrozen(TCP_DEFAULTS)).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
    expect(resolveTcpConfig({ mss: 536, timestamps: false })).toMatchObject({ mss: 536, timestamps: false, sack: true });
    expect(c.congestion).toBe('cubic'); // RFC 9438 is the default (issue 3)
    expect(resolveTcpConfig({ congestion: 'newreno' }).congestion).toBe('newreno');
    expect(c).toMatchObject({
      noDelay: false, keepalive: false, keepaliveIdle: 7_200_000, keepaliveInterval: 75_000, keepaliveCount: 9, userTimeout: 0, finWait2Timeout: 60_000,
    });
  });

  it.each([
    [{ mss: 10 }, /mss must be an integer 64\.\.65495/],
    [{ windowScale: 7 }, /unknown option "windowScale"/],
    [{ recvBufferSize: 0 }, /recvBufferSize/],
    [{ retries: 1.5 }, /retries/],
    [{ timestamps: 'yes' }, /timestamps must be true or false/],
    [{ rtoMin: 500, rtoInitial: 300 }, /rtoMin <= rtoInitial <= rtoMax/],
    [{ rtoMax: 100 }, /rtoMin <= rtoInitial <= rtoMax/],
    [{ delayedAck: 500 }, /delayedAck must be an integer 0\.\.499/],
    [{ nagle: true }, /unknown option "nagle"/],
    [{ congestion: 'bbr' }, /congestion must be one of 'cubic', 'newreno', got bbr/],
    [{ congestion: 1 }, /congestion must be one of/],
    [{ noDelay: 1 }, /noDelay must be true or false/],
    [{ keepalive: 'on' }, /keepalive must be true or false/],
    [{ keepaliveIdle: 0 }, /keepaliveIdle must be an integer 1\.\./],
    [{ keepaliveInterval: -1 }, /keepaliveInterval/],
    [{ keepaliveCount: 0 }, /keepaliveCount must be an integer 1\.\.255/],
    [{ userTimeout: -5 }, /userTimeout must be an integer 0\.\./],
    [{ finWait2Timeout: 1.5 }, /finWait2Timeout/],
  ])('rejects %o', (bad, message) => {
    let err: unknown;
    try {
      resolveTcpConfig(bad as never);
    } catch (e) {
      err = e;
    }
    expect(isStackError(err, 'ERR_INVALID_CONFIG')).toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});

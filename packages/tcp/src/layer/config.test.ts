import { describe, expect, it } from 'vitest';
import { TCP_DEFAULTS } from '../config.js';
import { TCP_LAYER_DEFAULTS, connectionConfig, resolveTcpLayerConfig } from './config.js';

describe('resolveTcpLayerConfig', () => {
  it('fills in both the connection and the layer defaults', () => {
    const c = resolveTcpLayerConfig();
    expect(c).toEqual({ ...TCP_DEFAULTS, ...TCP_LAYER_DEFAULTS });
    expect(connectionConfig(resolveTcpLayerConfig({ backlog: 5, mss: 1000 }))).toEqual({ ...TCP_DEFAULTS, mss: 1000 });
  });

  it.each([
    [{ backlog: -1 }, /backlog must be an integer 0\.\.1000000, got -1/],
    [{ ephemeralMin: 60000, ephemeralMax: 50000 }, /ephemeralMin \(60000\) must not exceed ephemeralMax \(50000\)/],
    [{ synCookies: 'sometimes' }, /synCookies must be one of 'auto', 'always', 'never'/],
    [{ sendResets: 1 }, /sendResets must be true or false/],
    [{ maxConnections: 0 }, /maxConnections must be an integer 1\.\./],
    [{ mss: 10 }, /mss must be an integer 64\.\.65495/],
    [{ bogus: 1 }, /unknown option "bogus" \(known: .*backlog/],
  ])('rejects %j saying what is allowed', (config, message) => {
    expect(() => resolveTcpLayerConfig(config as never)).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_CONFIG', message: expect.stringMatching(message) }));
  });
});

import { describe, expect, it } from 'vitest';
import { BRIDGE_DEFAULTS, LINK_DEFAULTS } from './config.js';

describe('defaults', () => {
  it('cannot be changed by one user behind every other link in the process', () => {
    expect(() => {
      (LINK_DEFAULTS as { mtu: number }).mtu = 9000;
    }).toThrow(TypeError);
    expect(() => {
      (BRIDGE_DEFAULTS as { agingTime: number }).agingTime = 1;
    }).toThrow(TypeError);
    expect(LINK_DEFAULTS.mtu).toBe(1500);
  });
});

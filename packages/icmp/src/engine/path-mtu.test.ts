import { describe, expect, it } from 'vitest';
import { MTU_PLATEAUS, nextHopMtu, plateauBelow } from './path-mtu.js';

describe('path MTU plateaus (RFC 1191 §7)', () => {
  it('uses a plausible reported MTU as is', () => {
    expect(nextHopMtu(1400, 1500)).toBe(1400);
    expect(nextHopMtu(68, 1500)).toBe(68);
  });
  it('guesses the next plateau when the field is 0, below 68 or not below the datagram', () => {
    expect(nextHopMtu(0, 1500)).toBe(1492);
    expect(nextHopMtu(0, 1492)).toBe(1006);
    expect(nextHopMtu(20, 4000)).toBe(2002);
    expect(nextHopMtu(1500, 1500)).toBe(1492);
    expect(nextHopMtu(0, 68)).toBe(68);
    expect(plateauBelow(65536)).toBe(65535);
    expect([...MTU_PLATEAUS].sort((a, b) => b - a)).toEqual(MTU_PLATEAUS);
  });
});

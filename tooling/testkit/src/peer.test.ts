import { describe, expect, it, vi, afterEach } from 'vitest';
import { describePeer, needPeer, peersRequired, which } from './peer.js';

afterEach(() => { vi.unstubAllEnvs(); });

describe('needPeer', () => {
  it('finds commands on PATH', () => {
    expect(which('sh')).toMatch(/\/sh$/);
    expect(needPeer(['sh'])).toEqual({ ok: true });
  });

  it('names every missing command, file and how to get them', () => {
    const r = needPeer(['sh', 'no-such-peer-xyz', 'nor-this-one'], { files: ['/no/such/device'] });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain('no-such-peer-xyz, nor-this-one');
      expect(r.reason).toContain('/no/such/device');
      expect(r.reason).toContain('tooling/peers/install.sh');
    }
  });

  it('checks for root when asked', () => {
    const r = needPeer([], { root: true });
    expect(r.ok).toBe(process.getuid?.() === 0);
  });
});

describe('describePeer', () => {
  it('requires peers in CI and when STACK_REQUIRE_PEERS=1, not otherwise', () => {
    expect(peersRequired({ CI: 'true' })).toBe(true);
    expect(peersRequired({ STACK_REQUIRE_PEERS: '1' })).toBe(true);
    expect(peersRequired({})).toBe(false);
    expect(peersRequired({ CI: 'false' })).toBe(false);
  });

  it('throws in CI when a peer is missing, naming it', () => {
    vi.stubEnv('CI', 'true');
    expect(() => describePeer('needs a unicorn', { commands: ['no-such-peer-xyz'] }, () => {})).toThrowError(
      /needs a unicorn.*no-such-peer-xyz.*fail CI/,
    );
  });

  describe('outside CI', () => {
    vi.stubEnv('CI', 'false');
    vi.stubEnv('STACK_REQUIRE_PEERS', '0');
    let ran = false;
    // Registers a skipped suite instead of throwing; its tests must not run.
    describePeer('needs a unicorn', { commands: ['no-such-peer-xyz'] }, () => {
      it('never runs', () => { ran = true; });
    });
    vi.unstubAllEnvs();
    it('skipped the suite', () => { expect(ran).toBe(false); });
  });
});

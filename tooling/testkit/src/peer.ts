import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';

/** What a peer test needs from the machine. */
export interface PeerRequirements {
  /** Commands that must be on PATH (e.g. ['ip', 'tshark']). */
  commands?: readonly string[];
  /** Needs uid 0 (network namespaces, TAP devices, raw sockets). */
  root?: boolean;
  /** Paths that must exist (e.g. '/dev/net/tun'). */
  files?: readonly string[];
}

/** The outcome of `needPeer`: fine, or why not. */
export type PeerCheck = { ok: true } | { ok: false; reason: string };

/** The executable `cmd` resolves to on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  const candidates = cmd.includes('/') ? [cmd] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * Checks that the commands are on PATH (and, when asked, that we are root and
 * that the files exist). Returns `{ ok: true }` or a reason naming everything
 * that is missing and how to get it.
 */
export function needPeer(commands: readonly string[], options: Omit<PeerRequirements, 'commands'> = {}): PeerCheck {
  const problems: string[] = [];
  const missing = commands.filter((c) => which(c) === undefined);
  if (missing.length > 0) problems.push(`missing command${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (tooling/peers/install.sh installs the peers)`);
  if (options.root && process.getuid?.() !== 0) problems.push('needs root');
  const absent = (options.files ?? []).filter((f) => !existsSync(f));
  if (absent.length > 0) problems.push(`missing: ${absent.join(', ')}`);
  return problems.length === 0 ? { ok: true } : { ok: false, reason: problems.join('; ') };
}

/**
 * True when missing peers must fail rather than skip: in CI
 * (`CI=true`), or when `STACK_REQUIRE_PEERS=1` asks for it locally.
 */
export function peersRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI === 'true' || env.STACK_REQUIRE_PEERS === '1';
}

/**
 * `describe` for tests against real peers. When the requirements are met it
 * is a plain `describe`. When not, it SKIPS with the reason locally, but
 * THROWS in CI (`CI=true`, or `STACK_REQUIRE_PEERS=1`): a missing peer must
 * fail CI, never pass it silently.
 */
export function describePeer(name: string, requirements: PeerRequirements, fn: () => void): void {
  const check = needPeer(requirements.commands ?? [], requirements);
  if (check.ok) {
    describe(name, fn);
    return;
  }
  if (peersRequired()) {
    throw new Error(`peer test "${name}" cannot run: ${check.reason}. Missing peers fail CI (CI=true); install them with tooling/peers/install.sh.`);
  }
  describe.skip(`${name} [skipped: ${check.reason}]`, fn);
}

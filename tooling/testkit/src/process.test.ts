import { describe, expect, it } from 'vitest';
import { waitFor, waitListening, type CommandRunner, type ExecResult } from './process.js';

describe('waitFor', () => {
  it('resolves once the condition holds, sync or async, checking again in between', async () => {
    let n = 0;
    await waitFor(() => ++n === 3, { intervalMs: 1 });
    expect(n).toBe(3);
    let m = 0;
    await waitFor(async () => ++m === 4, { intervalMs: 1 });
    expect(m).toBe(4);
  });

  it('checks at once: a condition that already holds is checked exactly once', async () => {
    let n = 0;
    await waitFor(() => {
      n++;
      return true;
    });
    expect(n).toBe(1);
  });

  it('rejects when the condition never holds, saying what it waited for', async () => {
    await expect(waitFor(() => false, { timeoutMs: 20, intervalMs: 1, what: 'the moon to turn blue' }))
      .rejects.toThrow(/gave up after 20 ms .*waiting for the moon to turn blue/);
    await expect(waitFor(() => false, { timeoutMs: 0 })).rejects.toThrow(/waiting for a condition/);
  });

  it('passes on an error of the condition at once', async () => {
    let n = 0;
    await expect(waitFor(() => {
      n++;
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(n).toBe(1);
  });
});

describe('waitListening', () => {
  const result = (stdout: string): ExecResult => ({ code: 0, signal: null, stdout, stderr: '' });

  it('asks ss for TCP listeners on the port until one shows', async () => {
    const calls: (readonly string[])[] = [];
    const outputs = ['', '\n', 'LISTEN 0 5 127.0.0.1:5201 0.0.0.0:*\n'];
    const ns: CommandRunner = {
      name: 'fake',
      exec: async (cmd, args = []) => {
        calls.push([cmd, ...args]);
        return result(outputs.shift() ?? '');
      },
    };
    await waitListening(ns, 5201, { intervalMs: 1 });
    expect(calls).toEqual(Array.from({ length: 3 }, () => ['ss', '-Hltn', '( sport = :5201 )']));
  });

  it('names the port and namespace when nothing listens', async () => {
    const ns: CommandRunner = { name: 'ns-7', exec: async () => result('') };
    await expect(waitListening(ns, 5202, { timeoutMs: 10, intervalMs: 1, what: 'iperf3 -s' }))
      .rejects.toThrow(/waiting for iperf3 -s on port 5202 in ns-7/);
  });
});

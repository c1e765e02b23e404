// Scheduling and cancelling 10,000 timers: the NodeScheduler wheel against
// Node's own setTimeout/clearTimeout (the peer), in the same run. vitest bench
// prints the ratio in its summary.
//   cd /work/main && npx vitest bench --run packages/platform-node/bench
import { bench, describe } from 'vitest';
import { NodeScheduler } from '../src/index.js';

const N = 10_000;
const noop = (): void => {};
const scheduler = new NodeScheduler();
const cancels: (() => void)[] = new Array<() => void>(N);
const handles: ReturnType<typeof setTimeout>[] = new Array<ReturnType<typeof setTimeout>>(N);

describe(`schedule then cancel ${N} timers (deadlines spread over 0-5 s)`, () => {
  bench('NodeScheduler.at + cancel', () => {
    const now = scheduler.now();
    for (let i = 0; i < N; i++) cancels[i] = scheduler.at(now + 1 + ((i * 7919) % 5000), noop);
    for (let i = 0; i < N; i++) cancels[i]!();
  });

  bench('setTimeout + clearTimeout (Node)', () => {
    for (let i = 0; i < N; i++) handles[i] = setTimeout(noop, 1 + ((i * 7919) % 5000));
    for (let i = 0; i < N; i++) clearTimeout(handles[i]);
  });
});

describe(`schedule then cancel ${N} timers (all within the wheel: 0-1 s)`, () => {
  bench('NodeScheduler.at + cancel', () => {
    const now = scheduler.now();
    for (let i = 0; i < N; i++) cancels[i] = scheduler.at(now + 1 + ((i * 7919) % 1000), noop);
    for (let i = 0; i < N; i++) cancels[i]!();
  });

  bench('setTimeout + clearTimeout (Node)', () => {
    for (let i = 0; i < N; i++) handles[i] = setTimeout(noop, 1 + ((i * 7919) % 1000));
    for (let i = 0; i < N; i++) clearTimeout(handles[i]);
  });
});

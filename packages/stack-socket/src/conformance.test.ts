import { describe } from 'vitest';
import { stackConformance } from '@stack/testkit/conformance';
import { socketPair } from './socket-pair.test-helper.js';

describe('Stack conformance: @stack/stack-socket on loopback', () => {
  stackConformance(async () => socketPair(), { ping: 'unsupported' });
});

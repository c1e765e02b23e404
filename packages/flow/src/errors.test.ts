import { describe, expect, it, vi } from 'vitest';
import { StackError } from '@stack/interfaces';
import type { FlowError } from '@stack/interfaces';
import { FLOW_ERROR_CODES, FlowStreamError, isFlowStreamError } from './errors.js';
import type * as errorsModule from './errors.js';

describe('FlowStreamError', () => {
  it('has one stable code per FlowError', () => {
    const reasons: FlowError[] = ['reset', 'timeout', 'aborted', 'closed'];
    expect(reasons.map((r) => new FlowStreamError(r).code)).toEqual(['ERR_FLOW_RESET', 'ERR_FLOW_TIMEOUT', 'ERR_FLOW_ABORTED', 'ERR_FLOW_CLOSED']);
    expect(Object.keys(FLOW_ERROR_CODES).sort()).toEqual([...reasons].sort());
    const err = new FlowStreamError('timeout');
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'FlowStreamError', reason: 'timeout', message: 'the connection timed out' });
  });

  it('isFlowStreamError matches the class and the code, nothing else', () => {
    expect(isFlowStreamError(new FlowStreamError('reset'))).toBe(true);
    expect(isFlowStreamError(new FlowStreamError('reset'), 'ERR_FLOW_RESET')).toBe(true);
    expect(isFlowStreamError(new FlowStreamError('reset'), 'ERR_FLOW_TIMEOUT')).toBe(false);
    expect(isFlowStreamError(Object.assign(new Error('x'), { code: 'ERR_FLOW_RESET' }))).toBe(false);
    expect(isFlowStreamError(new StackError('ERR_CLOSED', 'x'))).toBe(false);
    expect(isFlowStreamError(null)).toBe(false);
    expect(isFlowStreamError('reset')).toBe(false);
  });

  it('instanceof holds across two copies of the module (ESM and CJS builds, main and /node entries)', async () => {
    vi.resetModules();
    const specifier = './errors.js?copy'; // a second instance of the module, as a second bundle would hold
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof errorsModule;
    expect(copy.FlowStreamError).not.toBe(FlowStreamError);
    expect(new copy.FlowStreamError('reset')).toBeInstanceOf(FlowStreamError);
    expect(new FlowStreamError('reset')).toBeInstanceOf(copy.FlowStreamError);
    expect(copy.isFlowStreamError(new FlowStreamError('closed'), 'ERR_FLOW_CLOSED')).toBe(true);
  });
});

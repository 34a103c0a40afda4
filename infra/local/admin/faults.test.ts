import { describe, expect, it } from 'vitest';
import { FaultSettingsError, faultsFromEnv, parseFaultSettings, unmatchedFaults } from './faults.ts';

describe('faultsFromEnv', () => {
  it('reads LOCAL_FAULTS and LOCAL_SQS_DUPLICATE_RATE', () => {
    const env = {
      LOCAL_FAULTS: '[{"function": "Consumer", "errorRate": 0.3, "latencyMs": 500}]',
      LOCAL_SQS_DUPLICATE_RATE: '0.1',
    };

    expect(faultsFromEnv(env)).toEqual({
      functions: [{ function: 'Consumer', errorRate: 0.3, latencyMs: 500 }],
      sqsDuplicateRate: 0.1,
    });
  });

  it('injects nothing when the variables are unset', () => {
    expect(faultsFromEnv({})).toEqual({ functions: [], sqsDuplicateRate: 0 });
  });

  it('names LOCAL_FAULTS when it is not JSON', () => {
    expect(() => faultsFromEnv({ LOCAL_FAULTS: '[{' })).toThrow(/^LOCAL_FAULTS is not JSON/);
  });

  it('names the field of a fault that is wrong', () => {
    expect(() => faultsFromEnv({ LOCAL_FAULTS: '[{"function": "X", "errorRate": 3}]' })).toThrow(
      /LOCAL_FAULTS: invalid faults: 0.errorRate/,
    );
  });

  it('refuses a duplicate rate above 1', () => {
    expect(() => faultsFromEnv({ LOCAL_SQS_DUPLICATE_RATE: '2' })).toThrow(FaultSettingsError);
  });
});

describe('parseFaultSettings', () => {
  it('takes a bare list as the function faults', () => {
    expect(parseFaultSettings([{ function: 'X', latencyMs: 10 }])).toEqual({
      functions: [{ function: 'X', latencyMs: 10 }],
    });
  });

  it('refuses a fault with neither an error rate nor a latency', () => {
    expect(() => parseFaultSettings([{ function: 'X' }])).toThrow('a fault needs errorRate or latencyMs');
  });

  it('refuses an unknown field', () => {
    expect(() => parseFaultSettings({ faults: [] })).toThrow('unknown field faults');
  });
});

describe('unmatchedFaults', () => {
  it('matches by logical id or by a part of the name', () => {
    const functions = [{ logicalId: 'HistoryRecordEventD798', name: 'Stack-HistoryRecordEvent-abc' }];

    const unmatched = unmatchedFaults(
      [{ function: 'HistoryRecordEventD798' }, { function: 'RecordEvent' }, { function: 'Other' }],
      functions,
    );

    expect(unmatched).toEqual([{ function: 'Other' }]);
  });
});

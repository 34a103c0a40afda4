import { describe, expect, it } from 'vitest';
import {
  applyEnvironmentOverrides,
  readyLine,
  runTriggers,
  TriggerFailedError,
  triggerFunctionOf,
} from './cloud.ts';
import { silentLogger } from './log.ts';
import type { InvokeResult, ResolvedResource, ResolvedStack } from './model.ts';

function resource(logicalId: string, type: string, properties: Record<string, unknown>): ResolvedResource {
  return {
    logicalId,
    type,
    properties,
    physicalName: logicalId,
    ref: logicalId,
    attributes: {},
    dependsOn: [],
  };
}

function stackOf(...resources: ResolvedResource[]): ResolvedStack {
  return {
    stackName: 'App',
    region: 'us-east-1',
    accountId: '000000000000',
    cloudAssemblyDir: '/tmp/cdk.out',
    resources: new Map(resources.map((item) => [item.logicalId, item])),
    functionCode: new Map(),
  };
}

const seedArn = 'arn:aws:lambda:us-east-1:000000000000:function:seed';

describe('triggerFunctionOf', () => {
  it('drops the version qualifier of a version ARN', () => {
    expect(triggerFunctionOf(`${seedArn}:1`)).toBe(seedArn);
  });
});

describe('applyEnvironmentOverrides', () => {
  it('replaces a variable only in the functions that declare it', () => {
    const declares = resource('A', 'AWS::Lambda::Function', {
      Environment: { Variables: { MODE: 'aws', X: '1' } },
    });
    const other = resource('B', 'AWS::Lambda::Function', { Environment: { Variables: { X: '2' } } });

    applyEnvironmentOverrides(stackOf(declares, other), { MODE: 'recording' });

    expect(declares.properties.Environment).toEqual({ Variables: { MODE: 'recording', X: '1' } });
    expect(other.properties.Environment).toEqual({ Variables: { X: '2' } });
  });
});

describe('runTriggers', () => {
  const trigger = resource('SeedTrigger', 'Custom::Trigger', { HandlerArn: `${seedArn}:1` });

  it('invokes the function behind each trigger once, synchronously, with an empty event', async () => {
    const calls: unknown[][] = [];
    const lambda = {
      invoke: async (...args: unknown[]): Promise<InvokeResult> => {
        calls.push(args);
        return { ok: true, payload: null };
      },
    };

    await runTriggers(stackOf(trigger), lambda, silentLogger);

    expect(calls).toEqual([[seedArn, {}, { invocationType: 'RequestResponse' }]]);
  });

  it('fails when the trigger function fails', async () => {
    const lambda = {
      invoke: async (): Promise<InvokeResult> => ({
        ok: false,
        errorType: 'Error',
        errorMessage: 'table missing',
      }),
    };

    await expect(runTriggers(stackOf(trigger), lambda, silentLogger)).rejects.toThrow(TriggerFailedError);
  });
});

describe('readyLine', () => {
  it('names the edge and every API with its URL', () => {
    const line = readyLine({
      edge: 'http://127.0.0.1:4566',
      apis: [
        { logicalId: 'PublicApi', url: 'http://127.0.0.1:3000' },
        { logicalId: 'InternalApi', url: 'http://127.0.0.1:3001' },
      ],
    });

    expect(line).toBe(
      'local cloud ready: edge http://127.0.0.1:4566, apis PublicApi http://127.0.0.1:3000, InternalApi http://127.0.0.1:3001',
    );
  });
});

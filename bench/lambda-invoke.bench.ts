// What the local Lambda host's isolated execution environments (one worker thread each) cost per warm
// invocation: `invoke` through the host (JSON over the worker boundary, context, timeout timer,
// START/END/REPORT lines to the log file) against importing the same handler file in-process and
// calling it directly with an equivalent context.
import { deepStrictEqual } from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SQSEvent } from 'aws-lambda';
import { createLambdaHost } from '../infra/local/lambda/index.ts';
import type { ResolvedResource, ResolvedStack } from '../infra/local/model.ts';
import type { BenchmarkDefinition } from './harness.ts';
import { discardingStream, fixtureEvent, QuietLog } from './support.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const FUNCTION_NAME = 'bench-echo';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_NAME}`;
const TIMEOUT_SECONDS = 3;
const MEMORY_MB = 128;
const codeDir = fileURLToPath(new URL('../infra/local/lambda/test-fixtures/echo/', import.meta.url));

type Handler = (event: unknown, context: Record<string, unknown>) => Promise<unknown>;

function echoStack(): ResolvedStack {
  const fn: ResolvedResource = {
    logicalId: 'BenchEcho',
    type: 'AWS::Lambda::Function',
    properties: {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      MemorySize: MEMORY_MB,
      Timeout: TIMEOUT_SECONDS,
    },
    physicalName: FUNCTION_NAME,
    ref: FUNCTION_NAME,
    attributes: { Arn: FUNCTION_ARN },
    dependsOn: [],
  };
  return {
    stackName: 'BenchStack',
    region: REGION,
    accountId: ACCOUNT,
    cloudAssemblyDir: codeDir,
    resources: new Map([[fn.logicalId, fn]]),
    functionCode: new Map([[fn.logicalId, codeDir]]),
  };
}

// What the app's queue consumers receive: one SQS record carrying a drone position event.
function sqsEvent(): SQSEvent {
  const body = JSON.stringify(fixtureEvent('DronePositionChanged'));
  return {
    Records: [
      {
        messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
        receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1777910460000',
          SenderId: ACCOUNT,
          ApproximateFirstReceiveTimestamp: '1777910460001',
        },
        messageAttributes: {},
        md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:delivery-drone-events-queue`,
        awsRegion: REGION,
      },
    ],
  };
}

// The context the runtime builds for each invocation (infra/local/lambda/runtime.mjs), built in-process.
function directContext(): Record<string, unknown> {
  const deadline = Date.now() + TIMEOUT_SECONDS * 1000;
  return {
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: FUNCTION_ARN,
    memoryLimitInMB: String(MEMORY_MB),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: 'in-process',
    awsRequestId: randomUUID(),
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

export const lambdaInvoke: BenchmarkDefinition = {
  name: 'lambda-invoke',
  description:
    'warm RequestResponse invoke of the echo fixture through the local Lambda host (worker per environment) vs importing the handler in-process and calling it',
  mode: 'async',
  async prepare() {
    const logDir = mkdtempSync(join(tmpdir(), 'bench-lambda-'));
    const log = new QuietLog();
    const host = createLambdaHost({
      stack: echoStack(),
      edgeUrl: 'http://127.0.0.1:9',
      credentialsFor: () => ({ accessKeyId: 'BENCHKEY', secretAccessKey: 'bench-secret' }),
      log,
      logDir,
      output: discardingStream(),
    });
    const module = (await import(pathToFileURL(join(codeDir, 'index.mjs')).href)) as { handler: Handler };
    const handler = module.handler;
    const event = sqsEvent();

    const viaHost = async () => {
      const result = await host.invoke(FUNCTION_NAME, event);
      if (!result.ok) throw new Error(`invoke failed: ${result.errorType}: ${result.errorMessage}`);
      return result.payload;
    };
    const direct = () => handler(event, directContext());

    return {
      subject: { label: 'host.invoke (worker)', run: viaHost },
      baseline: { label: 'handler called in-process', run: direct },
      async verify() {
        // The first invocation is the cold start; every measured one after it is warm.
        const [hosted, inProcess] = [await viaHost(), await direct()];
        deepStrictEqual((hosted as { event: unknown }).event, event, 'the host passed another event');
        deepStrictEqual((inProcess as { event: unknown }).event, event, 'the direct call saw another event');
        const environments = host.functions()[0]?.environments;
        if (environments !== 1) throw new Error(`expected 1 warm environment, got ${environments}`);
        log.assertClean('the local Lambda host');
      },
      async dispose() {
        const environments = host.functions()[0]?.environments;
        await host.stop();
        rmSync(logDir, { recursive: true, force: true });
        // More than one environment would mean a measured invocation was a cold start.
        if (environments !== 1) throw new Error(`expected 1 environment throughout, got ${environments}`);
        log.assertClean('the local Lambda host');
      },
    };
  },
};

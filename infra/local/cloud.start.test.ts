import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCloud } from './cloud.ts';
import { cloudFolders, startTestCloud, writeAssembly } from './cloud-test-support.ts';
import { freePort } from './ports.ts';

// The whole start and stop on a small hand-written assembly: a table, a queue with its DLQ, and a
// CDK trigger whose inline function leaves a marker file.

function assembly(triggerCode: string) {
  return {
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: 'things',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        },
      },
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs-dlq' } },
      Jobs: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'jobs',
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 3 },
        },
      },
      Seed: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Code: { ZipFile: triggerCode },
          Handler: 'index.handler',
          Runtime: 'nodejs20.x',
          Timeout: 10,
        },
      },
      SeedVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Seed' } } },
      SeedTrigger: {
        Type: 'Custom::Trigger',
        Properties: {
          ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:provider',
          HandlerArn: { Ref: 'SeedVersion' },
          InvocationType: 'RequestResponse',
          Timeout: '10000',
        },
      },
    },
  };
}

async function accepts(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'POST' });
    return true;
  } catch {
    return false;
  }
}

describe('startLocalCloud', () => {
  let folders: Awaited<ReturnType<typeof cloudFolders>>;
  let marker: string;
  let cloud: LocalCloud;

  beforeAll(async () => {
    folders = await cloudFolders();
    marker = path.join(folders.stateDir, 'seeded');
    const code = `exports.handler = async () => { require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); };`;
    await writeAssembly(folders.dir, assembly(code));
    cloud = await startTestCloud(folders);
  });

  afterAll(async () => {
    await cloud.stop();
    await folders.remove();
  });

  it('creates the template tables in DynamoDB Local', async () => {
    const { localDynamoDbClient } = await import('./dynamodb/dynamodb-local.ts');
    const client = localDynamoDbClient(cloud.dynamodb.endpoint);

    const tables = await client.send(new ListTablesCommand({}));

    client.destroy();
    expect(tables.TableNames).toContain('things');
  });

  it('serves the template queues on the edge with edge URLs', async () => {
    const client = new SQSClient({
      endpoint: cloud.urls.edge,
      region: 'us-east-1',
      credentials: { accessKeyId: 'admin', secretAccessKey: 'admin' },
    });

    const found = await client.send(new GetQueueUrlCommand({ QueueName: 'jobs' }));

    client.destroy();
    expect(found.QueueUrl).toBe(`${cloud.urls.edge}/000000000000/jobs`);
  });

  it('runs the CDK trigger once during start', async () => {
    expect(await readFile(marker, 'utf8')).toBe('ran');
  });

  it('writes the state file with the edge and the resource names', async () => {
    const state = JSON.parse(await readFile(path.join(folders.stateDir, 'state.json'), 'utf8'));

    expect(state.edge).toBe(cloud.urls.edge);
    expect(state.tables).toEqual({ Table: 'things' });
    expect(state.queues.Jobs.url).toBe(`${cloud.urls.edge}/000000000000/jobs`);
  });

  it('gives a restart on the same state folder the messages sent before the stop', async () => {
    const sqsClient = (edge: string) =>
      new SQSClient({
        endpoint: edge,
        region: 'us-east-1',
        credentials: { accessKeyId: 'admin', secretAccessKey: 'admin' },
      });
    const before = sqsClient(cloud.urls.edge);
    await before.send(
      new SendMessageCommand({ QueueUrl: `${cloud.urls.edge}/000000000000/jobs`, MessageBody: 'kept' }),
    );
    before.destroy();

    await cloud.stop();
    cloud = await startTestCloud(folders);
    const after = sqsClient(cloud.urls.edge);
    const received = await after.send(
      new ReceiveMessageCommand({ QueueUrl: `${cloud.urls.edge}/000000000000/jobs`, WaitTimeSeconds: 1 }),
    );
    after.destroy();

    expect(received.Messages?.map((message) => message.Body)).toEqual(['kept']);
  });
});

describe('startLocalCloud with a failing trigger', () => {
  it('fails and leaves nothing listening', async () => {
    const folders = await cloudFolders();
    await writeAssembly(
      folders.dir,
      assembly(`exports.handler = async () => { throw new Error('seed failed'); };`),
    );
    const edgePort = await freePort();

    const start = startTestCloud(folders, { edgePort });

    await expect(start).rejects.toThrow(/Trigger SeedTrigger failed: .*seed failed/);
    expect(await accepts(`http://127.0.0.1:${edgePort}/`)).toBe(false);
    await folders.remove();
  });
});

describe('startLocalCloud with faults given at start', () => {
  it('runs the triggers without them, then injects them into the running app', async () => {
    const folders = await cloudFolders();
    const marker = path.join(folders.stateDir, 'seeded');
    const code = `exports.handler = async () => { require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); };`;
    await writeAssembly(folders.dir, assembly(code));
    const faults = [{ function: 'Seed', errorRate: 1 }];

    const cloud = await startTestCloud(folders, { faults: { functions: faults, sqsDuplicateRate: 0 } });
    try {
      const later = await cloud.lambda.invoke('Seed', {});

      expect(await readFile(marker, 'utf8')).toBe('ran');
      expect(cloud.lambda.getFaults()).toEqual(faults);
      expect(later).toMatchObject({ ok: false, errorType: 'InjectedFault' });
    } finally {
      await cloud.stop();
      await folders.remove();
    }
    // A whole start (DynamoDB Local's JVM included) and stop: as long as the hooks above may take.
  }, 120_000);
});

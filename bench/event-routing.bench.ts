// What routing through the local EventBridge costs: PutEvents of one event on a bus with the app's
// three rules (each with an SQS target, a dead-letter queue and a retry policy, as the template has
// them), until every target has received it, against calling the same in-memory queue sender
// directly with the envelope for the queues a hard-coded router would pick.
import { deepStrictEqual } from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PutEventsRequestEntry } from '../infra/local/eventbridge/index.ts';
import { createEventBridge } from '../infra/local/eventbridge/index.ts';
import type { LambdaInvoker, QueueSender, ResolvedResource, ResolvedStack } from '../infra/local/model.ts';
import type { BenchmarkDefinition } from './harness.ts';
import { APP_RULES, catalogEvents, type Envelope, QuietLog } from './support.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const BUS = 'drone-delivery-bench';

const queueArn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;

/** An in-memory queue sender that counts messages per queue and keeps only the last body. */
class CountingQueues implements QueueSender {
  readonly counts = new Map<string, number>();
  lastBody = '';

  async sendMessage(arn: string, body: string): Promise<void> {
    this.counts.set(arn, (this.counts.get(arn) ?? 0) + 1);
    this.lastBody = body;
  }

  total(): number {
    let sum = 0;
    for (const count of this.counts.values()) sum += count;
    return sum;
  }
}

const noLambda: LambdaInvoker = {
  async invoke() {
    throw new Error('the routing benchmark has no Lambda targets');
  },
};

function resource(
  logicalId: string,
  type: string,
  name: string,
  ref: string,
  arn: string,
  properties: Record<string, unknown>,
): ResolvedResource {
  return { logicalId, type, properties, physicalName: name, ref, attributes: { Arn: arn }, dependsOn: [] };
}

// The bus and rules as the synthesized template declares them, intrinsics resolved.
function appStack(): ResolvedStack {
  const resources: ResolvedResource[] = [
    resource(
      'Bus',
      'AWS::Events::EventBus',
      BUS,
      BUS,
      `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`,
      {
        Name: BUS,
      },
    ),
    ...APP_RULES.map((rule) =>
      resource(
        `${rule.name}Rule`,
        'AWS::Events::Rule',
        rule.name,
        `${BUS}|${rule.name}`,
        `arn:aws:events:${REGION}:${ACCOUNT}:rule/${BUS}/${rule.name}`,
        {
          Name: rule.name,
          EventBusName: BUS,
          EventPattern: rule.pattern,
          State: 'ENABLED',
          Targets: [
            {
              Id: 'Target0',
              Arn: queueArn(`${rule.name}-queue`),
              DeadLetterConfig: { Arn: queueArn(`${rule.name}-target-dlq`) },
              RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 8 },
            },
          ],
        },
      ),
    ),
  ];
  return {
    stackName: 'BenchStack',
    region: REGION,
    accountId: ACCOUNT,
    cloudAssemblyDir: tmpdir(),
    resources: new Map(resources.map((r) => [r.logicalId, r])),
    functionCode: new Map(),
  };
}

// The queues a hard-coded router sends an event to: those of the rules listing its source and type.
function hardCodedQueues(event: Envelope): string[] {
  return APP_RULES.filter(
    (rule) =>
      rule.pattern.source.includes(event.source) &&
      rule.pattern['detail-type'].includes(event['detail-type']),
  ).map((rule) => queueArn(`${rule.name}-queue`));
}

export const eventRouting: BenchmarkDefinition = {
  name: 'event-routing',
  description:
    "PutEvents of one catalog event (rotating over the 8 types) through the local EventBridge with the app's 3 rules to in-memory queues, until delivered, vs sending the envelope to the same queues directly",
  mode: 'async',
  async prepare() {
    const stateDir = mkdtempSync(join(tmpdir(), 'bench-eventbridge-'));
    const log = new QuietLog();
    const subjectQueues = new CountingQueues();
    const baselineQueues = new CountingQueues();
    const bridge = createEventBridge({
      stack: appStack(),
      lambda: noLambda,
      queues: subjectQueues,
      log,
      stateDir,
    });
    const events = catalogEvents();
    const entries: PutEventsRequestEntry[] = events.map((event) => ({
      Source: event.source,
      DetailType: event['detail-type'],
      Detail: JSON.stringify(event.detail),
      EventBusName: BUS,
    }));
    const routes = events.map(hardCodedQueues);
    const count = events.length;

    const putOne = async (index: number) => {
      const result = await bridge.putEvents([entries[index]!]);
      if (result.FailedEntryCount !== 0) throw new Error(`PutEvents failed: ${JSON.stringify(result)}`);
      await bridge.settled();
    };
    const sendDirect = async (index: number) => {
      const body = JSON.stringify(events[index]);
      for (const arn of routes[index]!) await baselineQueues.sendMessage(arn, body);
    };

    let subjectIndex = 0;
    let baselineIndex = 0;
    return {
      subject: { label: 'PutEvents → 3 rules → queues', run: () => putOne(subjectIndex++ % count) },
      baseline: { label: 'sender called directly', run: () => sendDirect(baselineIndex++ % count) },
      async verify() {
        for (let index = 0; index < count; index++) {
          await putOne(index);
          const delivered = JSON.parse(subjectQueues.lastBody) as Envelope;
          deepStrictEqual(delivered.detail, events[index]!.detail, 'the bus delivered another detail');
          await sendDirect(index);
        }
        // 2 drone types reach 1 queue each, 6 delivery types reach 2 queues each.
        deepStrictEqual(
          subjectQueues.counts,
          baselineQueues.counts,
          'the bus and the baseline reached other queues',
        );
        if (subjectQueues.total() !== 14)
          throw new Error(`expected 14 deliveries, got ${subjectQueues.total()}`);
        log.assertClean('the local EventBridge');
      },
      async dispose() {
        await bridge.stop();
        rmSync(stateDir, { recursive: true, force: true });
        log.assertClean('the local EventBridge');
      },
    };
  },
};

// The Scheduler's waits queue as deployed (docs/architecture.md §5 4a): a standard queue (only those
// delay each message on its own), redriven to its own DLQ under alarm; the workflow may send to it,
// the forwarder consumes it with partial batch responses and may send to it and to the FIFO
// requests queue, and nothing else. Bundling is skipped: the template is the same.
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp, type DroneDeliveryStack } from '../stack.ts';
import { asArray, type Json, type Resource, type Statement } from '../test-support/template.ts';

let stack: DroneDeliveryStack;
let resources: Record<string, Resource>;

beforeAll(() => {
  ({ stack } = createApp({ context: { stage: 'dev' }, skipBundling: true }));
  resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
});

const idOf = (element: unknown) => stack.getLogicalId(element as CfnElement);

function refTo(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const json = value as Json;
  if (typeof json.Ref === 'string') return json.Ref;
  const getAtt = json['Fn::GetAtt'];
  return Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
}

function functionNamed(name: string) {
  const fn = stack.services.scheduler.functions.find((candidate) => candidate.node.id === name);
  if (!fn) throw new Error(`no scheduler function ${name}`);
  return fn;
}

/** Queues a function's role may send to, by logical id. */
function queuesSentToBy(fnName: string): string[] {
  const roleId = idOf(functionNamed(fnName).role?.node.defaultChild);
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) => asArray(policy.Properties.Roles as Json[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter(
      (statement) => statement.Effect === 'Allow' && asArray(statement.Action).includes('sqs:SendMessage'),
    )
    .flatMap((statement) => asArray(statement.Resource).map(refTo))
    .filter((id): id is string => id !== undefined)
    .sort();
}

describe('the delivery-waits queue', () => {
  it('is a standard queue redriven to its own dead-letter queue after 5 receives', () => {
    const waits = stack.services.scheduler.waits;
    const queue = resources[idOf(waits.queue.node.defaultChild)]!;
    const redrive = queue.Properties.RedrivePolicy as Json;

    expect(queue.Properties.FifoQueue).toBeUndefined();
    expect(queue.Properties.QueueName).toBe('DroneDelivery-dev-delivery-waits');
    expect(refTo(redrive.deadLetterTargetArn)).toBe(idOf(waits.deadLetterQueue.node.defaultChild));
    expect(redrive.maxReceiveCount).toBe(5);
  });

  it('has its dead-letter queue under a depth alarm', () => {
    const dlqId = idOf(stack.services.scheduler.waits.deadLetterQueue.node.defaultChild);
    const depthAlarms = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::CloudWatch::Alarm' &&
        resource.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        (resource.Properties.Dimensions as Json[]).some((dimension) => refTo(dimension.Value) === dlqId),
    );

    expect(depthAlarms).toHaveLength(1);
  });

  it('is consumed by the forwarder alone, with partial batch responses', () => {
    const waitsId = idOf(stack.services.scheduler.waits.queue.node.defaultChild);
    const mappings = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::EventSourceMapping' &&
        refTo(resource.Properties.EventSourceArn) === waitsId,
    );

    expect(mappings).toHaveLength(1);
    expect(refTo(mappings[0]?.Properties.FunctionName)).toBe(
      idOf(functionNamed('ForwardWaits').node.defaultChild),
    );
    expect(mappings[0]?.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });

  it('is where the workflow sends waiting schedules, and the forwarder sends them back to the requests queue', () => {
    const waitsId = idOf(stack.services.scheduler.waits.queue.node.defaultChild);
    const requestsId = idOf(stack.services.scheduler.requests.node.defaultChild);

    expect(queuesSentToBy('Workflow')).toEqual([waitsId]);
    expect(queuesSentToBy('ForwardWaits')).toEqual([requestsId, waitsId].sort());
  });

  it('gives the workflow and the forwarder the queue URLs they read', () => {
    const env = (name: string) =>
      (resources[idOf(functionNamed(name).node.defaultChild)]!.Properties.Environment as { Variables: Json })
        .Variables;

    expect(refTo(env('Workflow').WAITS_QUEUE_URL)).toBe(
      idOf(stack.services.scheduler.waits.queue.node.defaultChild),
    );
    expect(refTo(env('ForwardWaits').REQUESTS_QUEUE_URL)).toBe(
      idOf(stack.services.scheduler.requests.node.defaultChild),
    );
  });
});

// The parts of a resolved stack the admin tools need: its queues with their redrive policies, and
// which rule targets pass the event itself (so that a queue message can be traced back to it).
import type { RuleInfo, TargetConfig } from '../eventbridge/index.ts';
import type { ResolvedStack } from '../model.ts';

export interface QueueInfo {
  logicalId: string;
  name: string;
  arn: string;
  url: string;
  fifo: boolean;
  /** Where SQS moves a message received more than `maxReceiveCount` times. */
  redrive?: { deadLetterArn: string; maxReceiveCount: number };
}

/** The stack's queues, by ARN. */
export function queuesOf(stack: ResolvedStack): Map<string, QueueInfo> {
  const queues = new Map<string, QueueInfo>();
  for (const resource of stack.resources.values()) {
    if (resource.type !== 'AWS::SQS::Queue') continue;
    const arn =
      resource.attributes.Arn ?? `arn:aws:sqs:${stack.region}:${stack.accountId}:${resource.physicalName}`;
    const info: QueueInfo = {
      logicalId: resource.logicalId,
      name: resource.physicalName,
      arn,
      url: resource.ref,
      fifo: String(resource.properties.FifoQueue) === 'true',
    };
    const redrive = redrivePolicyOf(resource.properties.RedrivePolicy);
    if (redrive) info.redrive = redrive;
    queues.set(arn, info);
  }
  return queues;
}

/** Reads a RedrivePolicy given as an object (template) or as JSON text (SQS attribute). */
export function redrivePolicyOf(value: unknown): QueueInfo['redrive'] | undefined {
  let policy: unknown = value;
  if (typeof value === 'string') {
    try {
      policy = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof policy !== 'object' || policy === null) return undefined;
  const { deadLetterTargetArn, maxReceiveCount } = policy as Record<string, unknown>;
  if (typeof deadLetterTargetArn !== 'string') return undefined;
  const count = Number(maxReceiveCount);
  return {
    deadLetterArn: deadLetterTargetArn,
    maxReceiveCount: Number.isFinite(count) && count > 0 ? count : 10,
  };
}

/** Whether a target receives the event unchanged (no Input, InputPath or InputTransformer). */
export function passesEventUnchanged(target: TargetConfig | undefined): boolean {
  if (!target) return false;
  return (
    target.Input === undefined && target.InputPath === undefined && target.InputTransformer === undefined
  );
}

/** A rule's target by rule name and target id. */
export function findTarget(rules: RuleInfo[], ruleName: string, targetId: string): TargetConfig | undefined {
  return rules.find((rule) => rule.name === ruleName)?.targets.find((target) => target.Id === targetId);
}

/** The service an ARN belongs to (`sqs`, `lambda`, `events`, ...). */
export function serviceOf(arn: string): string | undefined {
  return /^arn:[^:]+:([^:]+):/.exec(arn)?.[1];
}

/** The last part of an ARN: a queue's or a function's name. */
export function nameOfArn(arn: string): string {
  const functionName = /:function:([^:]+)/.exec(arn)?.[1];
  if (functionName) return functionName;
  return arn.slice(arn.lastIndexOf(':') + 1).replace(/^.*\//, '');
}

// One attempt to deliver an event to a rule's target (SQS queue, Lambda function or event bus).
import type { LambdaInvoker, QueueSender } from '../model.ts';
import { renderTargetInput } from './input.ts';
import type { EventEnvelope, Rule, TargetConfig } from './types.ts';
import { isRecord } from './values.ts';

/** Why an attempt failed, with the error code AWS reports and whether a retry may succeed. */
export interface AttemptFailure {
  code: string;
  message: string;
  retryable: boolean;
}

export interface TargetSenders {
  queues: QueueSender;
  lambda: LambdaInvoker;
  /** Puts the event on the event bus a target names (that bus's archives and rules then see it). */
  forward(rule: Rule, target: TargetConfig, event: EventEnvelope): AttemptFailure | undefined;
}

/** Renders the target's input and sends it once; undefined when delivered, otherwise the failure. */
export async function attemptDelivery(
  senders: TargetSenders,
  rule: Rule,
  target: TargetConfig,
  event: EventEnvelope,
  receivedAt: Date,
): Promise<AttemptFailure | undefined> {
  let payload: string;
  try {
    payload = renderTargetInput(target, event, {
      ruleArn: rule.arn,
      ruleName: rule.name,
      ingestionTime: receivedAt.toISOString(),
    });
  } catch (error) {
    return { code: 'INVALID_INPUT', message: (error as Error).message, retryable: false };
  }
  const service = /^arn:[^:]+:([^:]+):/.exec(target.Arn)?.[1];
  try {
    if (service === 'sqs') {
      await senders.queues.sendMessage(target.Arn, payload, sqsOptions(target, event));
      return undefined;
    }
    if (service === 'events' && target.Arn.includes(':event-bus/'))
      return senders.forward(rule, target, event);
    if (service === 'lambda') {
      const result = await senders.lambda.invoke(target.Arn, parsePayload(payload), {
        invocationType: 'Event',
      });
      if (result.ok) return undefined;
      return lambdaFailure(result.errorType, result.errorMessage);
    }
    return {
      code: 'UNSUPPORTED_TARGET',
      message: `The local EventBridge delivers to SQS queues, Lambda functions and event buses only, not to ${target.Arn}`,
      retryable: false,
    };
  } catch (error) {
    return thrownFailure(error);
  }
}

function sqsOptions(target: TargetConfig, event: EventEnvelope) {
  const options: { messageGroupId?: string; messageDeduplicationId?: string } = {};
  const groupId = target.SqsParameters?.MessageGroupId;
  if (groupId !== undefined) options.messageGroupId = groupId;
  // For FIFO queues AWS uses the event id as the deduplication id.
  if (target.Arn.endsWith('.fifo')) options.messageDeduplicationId = event.id;
  return options;
}

function parsePayload(payload: string): unknown {
  try {
    return JSON.parse(payload);
  } catch {
    return payload;
  }
}

const NOT_FOUND = /NotFound|NonExistent|DoesNotExist/i;
const DENIED = /AccessDenied|NotAuthorized|Forbidden/i;

function lambdaFailure(errorType: string, errorMessage: string): AttemptFailure {
  if (NOT_FOUND.test(errorType))
    return { code: 'RESOURCE_NOT_FOUND', message: errorMessage, retryable: false };
  if (DENIED.test(errorType)) return { code: 'NO_PERMISSIONS', message: errorMessage, retryable: false };
  if (/TooManyRequests|Throttl/i.test(errorType))
    return { code: 'THROTTLING', message: errorMessage, retryable: true };
  return { code: 'SDK_CLIENT_ERROR', message: `${errorType}: ${errorMessage}`, retryable: true };
}

function thrownFailure(error: unknown): AttemptFailure {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const code = isRecord(error) && typeof error.code === 'string' ? error.code : name;
  if (NOT_FOUND.test(code) || NOT_FOUND.test(name))
    return { code: 'RESOURCE_NOT_FOUND', message, retryable: false };
  if (DENIED.test(code) || DENIED.test(name)) return { code: 'NO_PERMISSIONS', message, retryable: false };
  return { code: 'SDK_CLIENT_ERROR', message, retryable: true };
}

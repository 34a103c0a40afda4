// Refuses at load the asynchronous destinations the local cloud cannot deliver to (only template SQS queues).
import type { ResolvedResource } from '../model.ts';
import { TemplateError } from './intrinsics.ts';

/** What an ARN of each service points at, for the error messages. */
const TARGET_KINDS: Readonly<Record<string, string>> = {
  sns: 'an SNS topic',
  lambda: 'a Lambda function',
  events: 'an EventBridge event bus',
  s3: 'an S3 bucket',
  kafka: 'a Kafka cluster',
};

/** The (dot-separated) property paths of an asynchronous destination, by resource type. */
const DESTINATION_PATHS: Readonly<Record<string, readonly string[]>> = {
  'AWS::Lambda::EventInvokeConfig': [
    'DestinationConfig.OnSuccess.Destination',
    'DestinationConfig.OnFailure.Destination',
  ],
  'AWS::Lambda::Function': ['DeadLetterConfig.TargetArn'],
};

/** What the local cloud delivers to each kind of destination, for the error messages. */
const DELIVERED: Readonly<Record<string, string>> = {
  'DeadLetterConfig.TargetArn': 'dead letters',
};

function valueAt(properties: Record<string, unknown>, propertyPath: string): unknown {
  let value: unknown = properties;
  for (const segment of propertyPath.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Why a destination cannot be honoured here, or undefined when it can. */
function refusal(destination: unknown, queueArns: ReadonlySet<string>): string | undefined {
  if (typeof destination !== 'string') return `is ${JSON.stringify(destination)}, not an ARN`;
  const service = /^arn:[^:]+:([^:]+):/.exec(destination)?.[1];
  if (service === 'sqs') {
    return queueArns.has(destination)
      ? undefined
      : `points at the SQS queue ${destination}, which is not a queue of this template`;
  }
  if (service === undefined) return `is ${destination}, not an ARN`;
  return `points at ${TARGET_KINDS[service] ?? `a ${service} resource`} (${destination})`;
}

/**
 * Throws a `TemplateError` naming the resource and the property path of the first asynchronous
 * destination (Lambda event invoke configs, function dead-letter targets, event source mapping
 * destinations) that the local cloud cannot honour. Its Lambda service sends invocation records and
 * dead letters to the template's SQS queues only: any other target would be dropped at invoke time,
 * and the local cloud refuses at start what it cannot honour (docs/architecture.md §6).
 */
export function refuseUnsupportedDestinations(resources: ReadonlyMap<string, ResolvedResource>): void {
  const queueArns = new Set<string>();
  for (const resource of resources.values()) {
    const arn = resource.attributes.Arn;
    if (resource.type === 'AWS::SQS::Queue' && arn !== undefined) queueArns.add(arn);
  }
  for (const resource of resources.values()) {
    if (resource.type === 'AWS::Lambda::EventSourceMapping') refuseMappingDestinations(resource);
    for (const propertyPath of DESTINATION_PATHS[resource.type] ?? []) {
      const destination = valueAt(resource.properties, propertyPath);
      if (destination === undefined) continue;
      const reason = refusal(destination, queueArns);
      if (reason === undefined) continue;
      const delivered = DELIVERED[propertyPath] ?? 'asynchronous destinations';
      throw new TemplateError(
        `${resource.logicalId}: ${propertyPath} ${reason}; the local cloud delivers ${delivered} to the template's SQS queues only`,
      );
    }
  }
}

// The local event source mappings poll SQS queues, which take no destination: a message that keeps
// failing goes to its queue's redrive policy. A mapping's destination would never be used.
function refuseMappingDestinations(resource: ResolvedResource): void {
  for (const propertyPath of [
    'DestinationConfig.OnFailure.Destination',
    'DestinationConfig.OnSuccess.Destination',
  ]) {
    const destination = valueAt(resource.properties, propertyPath);
    if (destination === undefined) continue;
    throw new TemplateError(
      `${resource.logicalId}: ${propertyPath} (${String(destination)}) is not honoured locally; the local cloud's event source mappings poll SQS queues, which send failed messages to their redrive policy's dead-letter queue instead`,
    );
  }
}

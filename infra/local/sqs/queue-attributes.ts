// Translates an `AWS::SQS::Queue`'s template properties to the attributes and tags of CreateQueue.

const NUMERIC_ATTRIBUTES = [
  'VisibilityTimeout',
  'MessageRetentionPeriod',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'MaximumMessageSize',
] as const;

/** Translates an `AWS::SQS::Queue`'s properties to CreateQueue attributes (KMS/SSE are inert locally). */
export function queueAttributes(properties: Record<string, unknown>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of NUMERIC_ATTRIBUTES) {
    if (properties[name] !== undefined) attributes[name] = String(properties[name]);
  }
  if (String(properties.FifoQueue) === 'true') {
    attributes.FifoQueue = 'true';
    for (const name of ['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']) {
      if (properties[name] !== undefined) attributes[name] = String(properties[name]);
    }
  }
  for (const name of ['RedrivePolicy', 'RedriveAllowPolicy']) {
    const value = properties[name];
    if (value !== undefined) attributes[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return attributes;
}

/** A queue's template tags as CreateQueue takes them (undefined when it has none). */
export function tagsOf(properties: Record<string, unknown>): Record<string, string> | undefined {
  const tags = properties.Tags;
  if (!Array.isArray(tags) || tags.length === 0) return undefined;
  return Object.fromEntries(
    tags.map((tag: { Key: unknown; Value: unknown }) => [String(tag.Key), String(tag.Value)]),
  );
}

// The local cloud's metering: the meter, and how each part reports to it.
import { type MeteredExchange, meterDynamoDbCall } from './dynamodb-exchange.ts';
import type { Meter } from './meter.ts';
import { meterSqsCall } from './sqs-usage.ts';

export { meterRoutes } from './admin-routes.ts';
export type { MeteredExchange } from './dynamodb-exchange.ts';
export { createMeter, type Meter, type Meters } from './meter.ts';
export { meteredQueueSender } from './sqs-usage.ts';

/** What the edge reports of the AWS calls it forwards. */
export interface EdgeMeter {
  /** Prepares a DynamoDB call: the body to forward and how to read its answer (undefined: forward as is). */
  dynamodb(operation: string, body: Buffer): MeteredExchange | undefined;
  /** Meters an SQS call; a returned function wants the answer's text and status. */
  sqs(
    operation: string,
    input: Record<string, unknown>,
  ): ((answer: string, status: number) => void) | undefined;
}

/** The edge's side of a meter. */
export function edgeMeterOf(meter: Meter): EdgeMeter {
  return {
    dynamodb: (operation, body) => meterDynamoDbCall(meter, operation, body),
    sqs: (operation, input) => meterSqsCall(meter, operation, input),
  };
}

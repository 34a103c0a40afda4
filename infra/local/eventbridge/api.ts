// The EventBridge JSON protocol (`X-Amz-Target: AWSEvents.<Operation>`): dispatch and AWS's error shapes.
import type { CallerIdentity, LocalLogger } from '../model.ts';
import { archiveOperations } from './api-archives.ts';
import { eventOperations } from './api-events.ts';
import type { Operations, Params } from './api-params.ts';
import { ruleOperations } from './api-rules.ts';
import type { LocalEventBridge } from './bus.ts';
import { EventBridgeApiError } from './errors.ts';
import { InvalidEventPatternError } from './pattern.ts';

export interface ApiResponse {
  status: number;
  body: unknown;
}

export type ApiHandler = (operation: string, body: unknown, caller: CallerIdentity) => Promise<ApiResponse>;

/** Builds the handler the edge endpoint calls for `AWSEvents.*` requests. */
export function createApiHandler(bridge: LocalEventBridge, log: LocalLogger): ApiHandler {
  const operations: Operations = {
    ...eventOperations(bridge),
    ...ruleOperations(bridge),
    ...archiveOperations(bridge),
  };

  return async (operation, body, caller) => {
    const handler = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
    if (!handler) {
      return {
        status: 400,
        body: { __type: 'UnknownOperationException', message: `Operation ${operation} is not supported.` },
      };
    }
    const params: Params =
      typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Params) : {};
    try {
      // JSON.stringify drops the undefined members, as AWS omits absent fields.
      const result = await handler(params, caller);
      return { status: 200, body: JSON.parse(JSON.stringify(result ?? {})) };
    } catch (error) {
      if (error instanceof EventBridgeApiError) {
        return { status: error.status, body: { __type: error.type, message: error.message } };
      }
      if (error instanceof InvalidEventPatternError) {
        return { status: 400, body: { __type: 'InvalidEventPatternException', message: error.message } };
      }
      log.error('eventbridge: unexpected error', { operation, error: String(error) });
      return { status: 500, body: { __type: 'InternalException', message: 'An internal error occurred.' } };
    }
  };
}

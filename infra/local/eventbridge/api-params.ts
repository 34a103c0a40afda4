// Request parameters and answer shapes shared by the EventBridge API operations.
import type { CallerIdentity } from '../model.ts';
import { EventBridgeApiError } from './errors.ts';

/** A request body: the operation's parameters by name. */
export type Params = Record<string, unknown>;

/** Operations by name (what follows `AWSEvents.` in `X-Amz-Target`). */
export type Operations = Record<
  string,
  (params: Params, caller: CallerIdentity) => Promise<unknown> | unknown
>;

/** A time as the JSON protocol answers it: epoch seconds. */
export function epochSeconds(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime() / 1000;
}

/** A string parameter; a required one that is absent is answered as AWS does. */
export function str(params: Params, name: string, required: true): string;
export function str(params: Params, name: string, required?: false): string | undefined;
export function str(params: Params, name: string, required = false): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) {
    if (required) {
      throw new EventBridgeApiError(
        'ValidationException',
        `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new EventBridgeApiError('ValidationException', `Parameter ${name} must be a string.`);
  }
  return value;
}

/** One page of a list, as Limit (at most 100) and NextToken (an offset here) select it. */
export function page<T>(items: T[], params: Params): { items: T[]; nextToken?: string } {
  const limit = typeof params.Limit === 'number' && params.Limit > 0 ? Math.min(params.Limit, 100) : 100;
  const start = typeof params.NextToken === 'string' ? Number.parseInt(params.NextToken, 10) || 0 : 0;
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? String(start + limit) : undefined;
  return next === undefined ? { items: slice } : { items: slice, nextToken: next };
}

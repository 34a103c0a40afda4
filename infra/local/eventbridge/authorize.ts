// Permission checks of API callers: a function's role must allow `events:<operation>` on the resource.
import type { CallerIdentity } from '../model.ts';
import { EventBridgeApiError } from './errors.ts';
import { isAllowed } from './iam.ts';

/** The assumed-role ARN AWS names in its AccessDenied messages for a function's role. */
function assumedRoleArn(caller: Extract<CallerIdentity, { kind: 'function' }>): string {
  const match = /^arn:([^:]+):iam::(\d+):role\/(?:.*\/)?([^/]+)$/.exec(caller.roleArn);
  if (!match) return caller.roleArn;
  return `arn:${match[1]}:sts::${match[2]}:assumed-role/${match[3]}/${caller.functionName}`;
}

/** Throws AccessDeniedException unless the caller may perform `events:<operation>` on `resource`. */
export function authorize(caller: CallerIdentity, operation: string, resource: string): void {
  if (caller.kind === 'admin') return;
  const action = `events:${operation}`;
  if (!isAllowed(caller.statements, action, resource)) {
    throw new EventBridgeApiError(
      'AccessDeniedException',
      `User: ${assumedRoleArn(caller)} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
    );
  }
}

// IAM at the edge (docs/architecture.md §6): a function's request must be allowed by its role's policies
// for every check the request needs (`resources.ts`); an administrator's is not checked.
import { createPolicyDecisions } from '../auth/iam.ts';
import { principalArnOf } from '../auth/identities.ts';
import type { CallerIdentity, LocalLogger } from '../model.ts';
import { EdgeError, type Service } from './aws-protocol.ts';
import type { AccessCheck } from './resources.ts';

/** Throws the service's AccessDeniedException unless the caller may make every check. */
export type Enforce = (caller: CallerIdentity, service: Service, checks: AccessCheck[]) => void;

/** The enforcer for an account, logging each denial. */
export function createEnforcer(accountId: string, log: LocalLogger): Enforce {
  const isAllowed = createPolicyDecisions();
  return (caller, service, checks) => {
    if (caller.kind !== 'function') return;
    for (const check of checks) {
      if (isAllowed(caller.statements, check.action, check.resource, log)) continue;
      const message =
        `User: ${principalArnOf(caller, accountId)} is not authorized to perform: ${check.action} ` +
        `on resource: ${check.resource} because no identity-based policy allows the ${check.action} action`;
      log.warn('IAM denied', {
        function: caller.functionName,
        action: check.action,
        resource: check.resource,
      });
      throw new EdgeError(service === 'dynamodb' ? 400 : 403, 'AccessDeniedException', message);
    }
  };
}

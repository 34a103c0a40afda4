import type { Context, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { invocationHandler } from '../../shared/middleware/stacks.ts';
import { logger } from '../../shared/observability.ts';

// Cognito pre token generation (V2) trigger: copies the user's immutable `custom:account_id`
// attribute into the `account_id` claim of the access and ID tokens, which the public API's JWT
// authorizer hands to the handlers (docs/architecture.md §3). A user without the attribute gets no claim,
// and the API refuses such a token with 403.

const ACCOUNT_ATTRIBUTE = 'custom:account_id';

export async function core(
  event: PreTokenGenerationV2TriggerEvent,
): Promise<PreTokenGenerationV2TriggerEvent> {
  const accountId = event.request.userAttributes[ACCOUNT_ATTRIBUTE];
  if (!accountId) {
    logger.warn('user has no account; token issued without account_id', { userName: event.userName });
    return event;
  }
  const claims = { account_id: accountId };
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: { claimsToAddOrOverride: claims },
      idTokenGeneration: { claimsToAddOrOverride: claims },
    },
  };
  return event;
}

export const handler = invocationHandler(
  (_event: PreTokenGenerationV2TriggerEvent, context: Context) => context.awsRequestId,
  core,
);

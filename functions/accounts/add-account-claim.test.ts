import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../test/support/lambda.ts';
import { handler } from './add-account-claim.ts';

function tokenEvent(userAttributes: Record<string, string>): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'us-east-1',
    userPoolId: 'us-east-1_pool',
    userName: 'user-1',
    callerContext: { awsSdkVersion: '3', clientId: 'client' },
    request: {
      userAttributes,
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      scopes: ['aws.cognito.signin.user.admin'],
    },
    response: { claimsAndScopeOverrideDetails: null },
  } as unknown as PreTokenGenerationV2TriggerEvent;
}

describe('add-account-claim', () => {
  it('puts the account attribute into both tokens as account_id', async () => {
    const event = tokenEvent({ sub: 'u-1', 'custom:account_id': 'acct-demo' });

    const result = await handler(event, lambdaContext());

    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { claimsToAddOrOverride: { account_id: 'acct-demo' } },
      idTokenGeneration: { claimsToAddOrOverride: { account_id: 'acct-demo' } },
    });
  });

  it('issues the tokens unchanged for a user without an account', async () => {
    const event = tokenEvent({ sub: 'u-2' });

    const result = await handler(event, lambdaContext());

    expect(result.response.claimsAndScopeOverrideDetails).toBeNull();
  });
});

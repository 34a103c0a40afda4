// The functions as the host reads them from the template: environment, credentials, references.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT,
  buildStack,
  type EchoPayload,
  EDGE,
  REGION,
  startHost,
  stopHost,
} from './host-test-support.ts';

afterEach(stopHost);

describe('createLambdaHost: function configuration', () => {
  it('gives the function its template variables, Lambda variables, own credentials and the edge endpoints', async () => {
    const { host } = startHost(
      buildStack([
        {
          logicalId: 'Echo',
          name: 'echo-fn',
          code: 'echo',
          properties: {
            Environment: { Variables: { TABLE_NAME: 'orders', NODE_OPTIONS: '--enable-source-maps' } },
          },
        },
      ]),
    );

    const result = await host.invoke('echo-fn', {});

    const env = (result as { payload: EchoPayload }).payload.env;
    expect(env).toMatchObject({
      TABLE_NAME: 'orders',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: 'echo-fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/echo-fn',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      TZ: ':UTC',
      AWS_ACCESS_KEY_ID: 'LOCALECHO-FN',
      AWS_SECRET_ACCESS_KEY: 'secret-echo-fn',
      AWS_ENDPOINT_URL: EDGE,
      AWS_ENDPOINT_URL_DYNAMODB: EDGE,
      AWS_ENDPOINT_URL_SQS: EDGE,
      AWS_ENDPOINT_URL_EVENTBRIDGE: EDGE,
      AWS_ENDPOINT_URL_LAMBDA: EDGE,
    });
    expect(env.LAMBDA_TASK_ROOT).toMatch(/test-fixtures\/echo$/);
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/\[\$LATEST\]/);
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
  });

  it('finds a function by name, logical id, ARN and qualified ARN', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'EchoFn', name: 'echo-fn', code: 'echo' }]));
    const arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo-fn`;

    const results = await Promise.all(
      ['echo-fn', 'EchoFn', arn, `${arn}:$LATEST`].map((ref) => host.invoke(ref, { ref })),
    );

    expect(results.map((result) => result.ok)).toEqual([true, true, true, true]);
  });

  it('answers ResourceNotFoundException for an unknown function', async () => {
    const { host } = startHost(buildStack([{ logicalId: 'Echo', code: 'echo' }]));

    const result = await host.invoke('missing', {});

    expect(result).toMatchObject({ ok: false, errorType: 'ResourceNotFoundException' });
  });
});

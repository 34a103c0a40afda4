// Asynchronous (`Event`) invocations: background runs, retries, destinations and dead letters.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ACCOUNT,
  buildStack,
  DEAD_LETTER_ARN,
  FAILURE_QUEUE_ARN,
  invokeConfig,
  REGION,
  startHost,
  stopHost,
} from './host-test-support.ts';

afterEach(stopHost);

describe('createLambdaHost: asynchronous invocations', () => {
  it('accepts an Event invocation at once and runs it in the background', async () => {
    const { host, output } = startHost(buildStack([{ logicalId: 'Counter', code: 'counter' }]));

    const accepted = await host.invoke('Counter', {}, { invocationType: 'Event' });

    expect(accepted).toEqual({ ok: true, payload: undefined });
    await vi.waitFor(() => expect(output()).toContain('invocation 1 of undefined'));
  });

  it('retries a failing Event invocation twice, then sends the failure record to its destination', async () => {
    const { host, sent, output } = startHost(
      buildStack(
        [{ logicalId: 'Fail', name: 'fail-fn', code: 'fail' }],
        [invokeConfig('fail-fn', { DestinationConfig: { OnFailure: { Destination: FAILURE_QUEUE_ARN } } })],
      ),
    );

    await host.invoke('fail-fn', { id: 'd-2' }, { invocationType: 'Event' });

    await vi.waitFor(() => expect(sent).toHaveLength(1));
    const record = JSON.parse(sent[0]?.body ?? '{}');
    expect(sent[0]?.queueArn).toBe(FAILURE_QUEUE_ARN);
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: {
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
        functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:fail-fn:$LATEST`,
      },
      requestPayload: { id: 'd-2' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'DeliveryRefused', errorMessage: 'refused d-2' },
    });
    expect(output().match(/START RequestId/g)).toHaveLength(3);
  });

  it('honours MaximumRetryAttempts of the event invoke config', async () => {
    const { host, sent, output } = startHost(
      buildStack(
        [{ logicalId: 'Fail', name: 'fail-fn', code: 'fail' }],
        [
          invokeConfig('fail-fn', {
            MaximumRetryAttempts: 0,
            DestinationConfig: { OnFailure: { Destination: FAILURE_QUEUE_ARN } },
          }),
        ],
      ),
    );

    await host.invoke('fail-fn', {}, { invocationType: 'Event' });

    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(JSON.parse(sent[0]?.body ?? '{}').requestContext.approximateInvokeCount).toBe(1);
    expect(output().match(/START RequestId/g)).toHaveLength(1);
  });

  it('sends the event of a failed Event invocation to the function dead-letter queue', async () => {
    const { host, sent } = startHost(
      buildStack([
        { logicalId: 'Fail', code: 'fail', properties: { DeadLetterConfig: { TargetArn: DEAD_LETTER_ARN } } },
      ]),
    );

    await host.invoke('Fail', { id: 'd-3' }, { invocationType: 'Event' });

    await vi.waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0]).toMatchObject({
      queueArn: DEAD_LETTER_ARN,
      body: JSON.stringify({ id: 'd-3' }),
      options: {
        messageAttributes: {
          ErrorCode: { DataType: 'Number', StringValue: '200' },
          ErrorMessage: { DataType: 'String', StringValue: 'refused d-3' },
        },
      },
    });
  });
});

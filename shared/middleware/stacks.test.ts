import type { SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiEvent, lambdaContext, sqsEvent, sqsRecord } from '../../test/support/lambda.ts';
import { currentCorrelationId } from '../correlation.ts';
import { ConflictError, ServiceUnavailableError } from '../errors.ts';
import { json } from '../http.ts';
import { metrics } from '../observability.ts';
import { httpHandler, invocationHandler, sqsHandler } from './stacks.ts';

describe('httpHandler', () => {
  it('answers with the core result and echoes the correlation id', async () => {
    const handler = httpHandler(async () => json(200, { correlationId: currentCorrelationId() }));

    const response = await handler(
      apiEvent({ headers: { 'x-correlation-id': 'from-client' } }),
      lambdaContext(),
    );

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ correlationId: 'from-client' });
    expect(response.headers?.['x-correlation-id']).toBe('from-client');
  });

  it('uses the request id when the client sent no usable correlation id', async () => {
    const event = apiEvent({ headers: { 'x-correlation-id': 'not valid!' } });
    const handler = httpHandler(async () => json(200, {}));

    const response = await handler(event, lambdaContext());

    expect(response.headers?.['x-correlation-id']).toBe(event.requestContext.requestId);
  });

  it('turns a 4xx error into its problem body', async () => {
    const handler = httpHandler(async () => {
      throw new ConflictError('already in flight', 'delivery-in-flight');
    });

    const response = await handler(apiEvent({ path: '/v1/deliveries/d-1' }), lambdaContext());

    expect(response.statusCode).toBe(409);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body ?? '')).toEqual({
      type: 'https://drone-delivery.dev/problems/delivery-in-flight',
      title: 'Conflict',
      status: 409,
      detail: 'already in flight',
      instance: '/v1/deliveries/d-1',
    });
  });

  it('hides an unexpected error behind a generic 500 without a stack trace', async () => {
    const handler = httpHandler(async () => {
      throw new Error('secret internal detail at line 42');
    });

    const response = await handler(apiEvent(), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
    expect(response.body).not.toContain(' at ');
  });

  it('keeps the detail and retry-after of a 503', async () => {
    const handler = httpHandler(async () => {
      throw new ServiceUnavailableError();
    });

    const response = await handler(apiEvent(), lambdaContext());

    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
  });
});

describe('sqsHandler', () => {
  const parse = (record: SQSRecord) => {
    const body = JSON.parse(record.body) as { n?: unknown };
    if (typeof body.n !== 'number') throw new Error('n must be a number');
    return body.n;
  };

  it('reports only the failed records', async () => {
    const processed: number[] = [];
    const handler = sqsHandler({ parse }, async (n) => {
      if (n === 2) throw new Error('cannot');
      processed.push(n);
    });
    const records = [sqsRecord({ n: 1 }), sqsRecord({ n: 2 }), sqsRecord({ n: 3 })];

    const result = await handler(sqsEvent(records), lambdaContext());

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[1]?.messageId }]);
    expect(processed).toEqual([1, 3]);
  });

  it('fails a malformed record without processing it', async () => {
    const processed: number[] = [];
    const handler = sqsHandler({ parse }, async (n) => void processed.push(n));
    const records = [sqsRecord('not json'), sqsRecord({ n: 'x' }), sqsRecord({ n: 5 })];

    const result = await handler(sqsEvent(records), lambdaContext());

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      records[0]?.messageId,
      records[1]?.messageId,
    ]);
    expect(processed).toEqual([5]);
  });

  it('runs each record under the correlation id of its message attribute', async () => {
    const seen: string[] = [];
    const handler = sqsHandler({ parse }, async () => void seen.push(currentCorrelationId()));

    await handler(
      sqsEvent([
        sqsRecord({ n: 1 }, { attributes: { correlationId: 'c-1' } }),
        sqsRecord({ n: 2 }, { messageId: 'm-2' }),
      ]),
      lambdaContext(),
    );

    expect(seen).toEqual(['c-1', 'm-2']);
  });

  it('stops a FIFO group at its first failure and keeps the order', async () => {
    const processed: number[] = [];
    const handler = sqsHandler({ parse, fifo: true }, async (n) => {
      if (n === 1) throw new Error('cannot');
      processed.push(n);
    });
    const records = [
      sqsRecord({ n: 1 }, { groupId: 'a' }),
      sqsRecord({ n: 2 }, { groupId: 'a' }),
      sqsRecord({ n: 3 }, { groupId: 'b' }),
    ];

    const result = await handler(sqsEvent(records), lambdaContext());

    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual([
      records[0]?.messageId,
      records[1]?.messageId,
    ]);
    expect(processed).toEqual([3]);
  });
});

describe('invocationHandler', () => {
  it('runs the core under the correlation id it derives', async () => {
    const handler = invocationHandler(
      (event: { id: string }) => event.id,
      async () => currentCorrelationId(),
    );

    await expect(handler({ id: 'tick-1' }, lambdaContext())).resolves.toBe('tick-1');
  });
});

describe('metrics', () => {
  afterEach(() => vi.restoreAllMocks());

  function recorded(spy: { mock: { calls: unknown[][] } }) {
    return Object.fromEntries(spy.mock.calls.map((call) => [call[0], call[2]]));
  }

  it('counts an API request with its status class and response size', async () => {
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const handler = httpHandler(async () => json(200, { ok: true }));

    await handler(apiEvent(), lambdaContext());

    expect(recorded(addMetric)).toMatchObject({
      Requests: 1,
      ClientErrors: 0,
      ServerErrors: 0,
      ResponseBytes: 11,
    });
  });

  it('counts a refused API request as a client error', async () => {
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const handler = httpHandler(async () => {
      throw new ConflictError('no', 'conflict');
    });

    await handler(apiEvent(), lambdaContext());

    expect(recorded(addMetric)).toMatchObject({ Requests: 1, ClientErrors: 1, ServerErrors: 0 });
  });

  it('counts the processed and failed records of a batch, also when all fail', async () => {
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const parse = (record: SQSRecord) => Number(record.body);
    const some = sqsHandler({ parse }, async (n) => {
      if (n === 2) throw new Error('cannot');
    });
    const none = sqsHandler({ parse }, async () => {
      throw new Error('cannot');
    });

    await some(sqsEvent([sqsRecord('1'), sqsRecord('2'), sqsRecord('3')]), lambdaContext());
    expect(recorded(addMetric)).toMatchObject({ RecordsProcessed: 2, RecordsFailed: 1 });
    await expect(none(sqsEvent([sqsRecord('1')]), lambdaContext())).rejects.toThrow();
    expect(recorded(addMetric)).toMatchObject({ RecordsProcessed: 0, RecordsFailed: 1 });
  });
});

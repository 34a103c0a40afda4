// PutEvents: request limits, per-entry errors beside the good entries, the event time and permissions.
import { describe, expect, it } from 'vitest';
import { admin, functionCaller, useApiBridges } from './test-support/api.ts';
import { BUS_ARN, DEFAULT_BUS_ARN, entry } from './test-support/fixtures.ts';

const setup = useApiBridges();

describe('PutEvents', () => {
  it('answers an EventId per entry and FailedEntryCount 0', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry(), entry()] }, admin);
    // Assess
    expect(response).toEqual({
      status: 200,
      body: {
        FailedEntryCount: 0,
        Entries: [{ EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) }, { EventId: expect.any(String) }],
      },
    });
  });

  it.each([
    ['no entries', []],
    ['more than 10 entries', new Array(11).fill(entry())],
    ['entries that are not a list', undefined],
  ])('refuses %s with a ValidationException', async (_name, entries) => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('PutEvents', { Entries: entries }, admin);
    // Assess
    expect(response).toMatchObject({ status: 400, body: { __type: 'ValidationException' } });
  });

  it('refuses a request over 256 KB', async () => {
    // Prepare
    const { bridge } = setup();
    const big = JSON.stringify({ data: 'x'.repeat(130 * 1024) });
    // Act
    const response = await bridge.handle(
      'PutEvents',
      { Entries: [entry({ Detail: big }), entry({ Detail: big })] },
      admin,
    );
    // Assess
    expect(response).toEqual({
      status: 400,
      body: {
        __type: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      },
    });
  });

  it.each([
    ['a missing Source', { Source: undefined }, 'InvalidArgument', /Source/],
    ['a missing DetailType', { DetailType: undefined }, 'InvalidArgument', /DetailType/],
    ['a missing Detail', { Detail: undefined }, 'InvalidArgument', /Detail/],
    ['a Detail that is not JSON', { Detail: '{oops' }, 'MalformedDetail', /malformed/],
    ['a Detail that is a JSON array', { Detail: '[1]' }, 'MalformedDetail', /malformed/],
    ['Resources that are not strings', { Resources: [1] }, 'InvalidArgument', /Resources/],
    ['a Time that is not a time', { Time: 'yesterday' }, 'InvalidArgument', /Time/],
    ['an aws. source', { Source: 'aws.ec2' }, 'NotAuthorizedForSourceException', /source/],
    [
      'an unknown bus',
      { EventBusName: 'nope' },
      'ResourceNotFoundException',
      /Event bus nope does not exist/,
    ],
  ])('reports %s as a per-entry error beside the good entries', async (_name, overrides, code, message) => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry(), entry(overrides)] }, admin);
    // Assess
    expect(response.body).toEqual({
      FailedEntryCount: 1,
      Entries: [
        { EventId: expect.any(String) },
        { ErrorCode: code, ErrorMessage: expect.stringMatching(message) },
      ],
    });
  });

  it('uses the entry Time (epoch seconds) as the event time, to the second', async () => {
    // Prepare
    const { bridge, queues } = setup();
    // Act
    await bridge.handle('PutEvents', { Entries: [entry({ Time: 1767225600.5 })] }, admin);
    await bridge.settled();
    // Assess
    expect(JSON.parse(queues.sent[0]?.body ?? '').time).toBe('2026-01-01T00:00:00Z');
  });

  it('lets a function whose role allows events:PutEvents on the bus publish', async () => {
    // Prepare
    const { bridge } = setup();
    const caller = functionCaller([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN }]);
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry()] }, caller);
    // Assess
    expect(response.status).toBe(200);
  });

  it('denies a function without events:PutEvents with AccessDeniedException', async () => {
    // Prepare
    const { bridge, queues } = setup();
    const caller = functionCaller([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }]);
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry()] }, caller);
    await bridge.settled();
    // Assess
    expect(response).toEqual({
      status: 400,
      body: {
        __type: 'AccessDeniedException',
        message: `User: arn:aws:sts::000000000000:assumed-role/publisher-role/publisher is not authorized to perform: events:PutEvents on resource: ${BUS_ARN} because no identity-based policy allows the events:PutEvents action`,
      },
    });
    expect(queues.sent).toEqual([]);
  });

  it('denies a function allowed on another bus only', async () => {
    // Prepare
    const { bridge } = setup();
    const caller = functionCaller([{ Effect: 'Allow', Action: 'events:*', Resource: DEFAULT_BUS_ARN }]);
    // Act
    const response = await bridge.handle('PutEvents', { Entries: [entry()] }, caller);
    // Assess
    expect(response.body).toMatchObject({ __type: 'AccessDeniedException' });
  });
});

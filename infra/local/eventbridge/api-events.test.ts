// The event operations of the API: TestEventPattern's answers and refusals.
import { describe, expect, it } from 'vitest';
import { admin, useApiBridges } from './test-support/api.ts';

const setup = useApiBridges();

describe('TestEventPattern', () => {
  const event = JSON.stringify({
    id: '1',
    account: '000000000000',
    source: 'app.orders',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    'detail-type': 'OrderPlaced',
    detail: { amount: 5 },
  });

  it('answers whether the event matches', async () => {
    // Prepare
    const { bridge } = setup();
    const pattern = JSON.stringify({ detail: { amount: [{ numeric: ['>', 1] }] } });
    // Act
    const response = await bridge.handle('TestEventPattern', { EventPattern: pattern, Event: event }, admin);
    // Assess
    expect(response).toEqual({ status: 200, body: { Result: true } });
  });

  it('answers InvalidEventPatternException for an invalid pattern', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle(
      'TestEventPattern',
      { EventPattern: '{"source":"x"}', Event: event },
      admin,
    );
    // Assess
    expect(response).toMatchObject({
      status: 400,
      body: {
        __type: 'InvalidEventPatternException',
        message: expect.stringMatching(/^Event pattern is not valid/),
      },
    });
  });

  it('refuses an event without the mandatory fields', async () => {
    // Prepare
    const { bridge } = setup();
    // Act
    const response = await bridge.handle(
      'TestEventPattern',
      { EventPattern: '{"source":["x"]}', Event: '{"source":"x"}' },
      admin,
    );
    // Assess
    expect(response).toMatchObject({ status: 400, body: { __type: 'ValidationException' } });
  });
});

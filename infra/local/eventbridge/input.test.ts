// Target input: the JSONPath subset, and what a target receives for each input setting.
import { describe, expect, it } from 'vitest';
import { evaluateJsonPath, renderTargetInput } from './input.ts';

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'OrderPlaced',
  source: 'app.orders',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: ['r-1', 'r-2'],
  detail: {
    orderId: 'o-1',
    amount: 42,
    customer: { name: 'Ann "A" Lee' },
    items: [{ sku: 'a' }, { sku: 'b' }],
  },
};
const context = {
  ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/my-bus/my-rule',
  ruleName: 'my-rule',
  ingestionTime: '2026-01-01T00:00:01.000Z',
};

describe('evaluateJsonPath', () => {
  it.each([
    ['$', event],
    ['$.detail.orderId', 'o-1'],
    ['$.detail-type', 'OrderPlaced'],
    ["$['detail-type']", 'OrderPlaced'],
    ['$.resources[1]', 'r-2'],
    ['$.detail.items[*].sku', ['a', 'b']],
    ['$.detail.customer.*', ['Ann "A" Lee']],
    ['$.detail.missing', undefined],
    ['$.resources[5]', undefined],
  ])('%s selects the expected value', (path, expected) => {
    // Prepare, act, assess
    expect(evaluateJsonPath(path, event)).toEqual(expected);
  });

  it('refuses a path that does not start with $', () => {
    // Prepare, act, assess
    expect(() => evaluateJsonPath('detail', event)).toThrow(/must start with \$/);
  });
});

describe('renderTargetInput', () => {
  it('sends the whole event by default', () => {
    // Prepare, act
    const payload = renderTargetInput({}, event, context);
    // Assess
    expect(JSON.parse(payload)).toEqual(event);
  });

  it('sends a constant Input as it is', () => {
    // Prepare, act
    const payload = renderTargetInput({ Input: '{"fixed":true}' }, event, context);
    // Assess
    expect(payload).toBe('{"fixed":true}');
  });

  it('sends the part an InputPath selects', () => {
    // Prepare, act
    const payload = renderTargetInput({ InputPath: '$.detail.customer' }, event, context);
    // Assess
    expect(JSON.parse(payload)).toEqual({ name: 'Ann "A" Lee' });
  });

  it('fills a JSON template: strings outside quotes get quotes, numbers stay numbers', () => {
    // Prepare
    const config = {
      InputTransformer: {
        InputPathsMap: { id: '$.detail.orderId', amount: '$.detail.amount' },
        InputTemplate: '{"order": <id>, "amount": <amount>, "label": "order <id> of <amount>"}',
      },
    };
    // Act
    const payload = renderTargetInput(config, event, context);
    // Assess
    expect(JSON.parse(payload)).toEqual({ order: 'o-1', amount: 42, label: 'order o-1 of 42' });
  });

  it('escapes values inserted inside JSON strings so that the result stays JSON', () => {
    // Prepare
    const config = {
      InputTransformer: {
        InputPathsMap: { name: '$.detail.customer.name' },
        InputTemplate: '{"text": "<name>"}',
      },
    };
    // Act
    const payload = renderTargetInput(config, event, context);
    // Assess
    expect(JSON.parse(payload)).toEqual({ text: 'Ann "A" Lee' });
  });

  it('inserts objects and arrays as JSON', () => {
    // Prepare
    const config = {
      InputTransformer: { InputPathsMap: { items: '$.detail.items' }, InputTemplate: '{"items": <items>}' },
    };
    // Act
    const payload = renderTargetInput(config, event, context);
    // Assess
    expect(JSON.parse(payload)).toEqual({ items: [{ sku: 'a' }, { sku: 'b' }] });
  });

  it('fills a plain-text template with bare values', () => {
    // Prepare
    const config = {
      InputTransformer: {
        InputPathsMap: { id: '$.detail.orderId', amount: '$.detail.amount' },
        InputTemplate: 'Order <id> costs <amount>',
      },
    };
    // Act
    const payload = renderTargetInput(config, event, context);
    // Assess
    expect(payload).toBe('Order o-1 costs 42');
  });

  it('fills a JSON string template (as CDK RuleTargetInput.fromText writes it)', () => {
    // Prepare
    const config = {
      InputTransformer: { InputPathsMap: { id: '$.detail.orderId' }, InputTemplate: '"Order <id>"' },
    };
    // Act
    const payload = renderTargetInput(config, event, context);
    // Assess
    expect(payload).toBe('"Order o-1"');
  });

  it('gives null for a path that selects nothing', () => {
    // Prepare
    const config = {
      InputTransformer: { InputPathsMap: { x: '$.detail.missing' }, InputTemplate: '{"x": <x>}' },
    };
    // Act
    const payload = renderTargetInput(config, event, context);
    // Assess
    expect(JSON.parse(payload)).toEqual({ x: null });
  });

  it('offers the rule name, rule ARN and ingestion time as reserved variables', () => {
    // Prepare
    const config = {
      InputTransformer: {
        InputTemplate:
          '{"rule": <aws.events.rule-name>, "arn": "<aws.events.rule-arn>", "at": <aws.events.event.ingestion-time>}',
      },
    };
    // Act
    const payload = renderTargetInput(config, event, context);
    // Assess
    expect(JSON.parse(payload)).toEqual({ rule: 'my-rule', arn: context.ruleArn, at: context.ingestionTime });
  });

  it('offers the event without its detail as <aws.events.event> and whole as <aws.events.event.json>', () => {
    // Prepare
    const config = {
      InputTransformer: {
        InputTemplate: '{"envelope": <aws.events.event>, "whole": <aws.events.event.json>}',
      },
    };
    // Act
    const payload = JSON.parse(renderTargetInput(config, event, context));
    // Assess
    const { detail: _detail, ...envelope } = event;
    expect(payload).toEqual({ envelope, whole: event });
  });

  it('leaves unknown placeholders untouched', () => {
    // Prepare
    const config = { InputTransformer: { InputPathsMap: {}, InputTemplate: '<b>bold</b>' } };
    // Act
    const payload = renderTargetInput(config, event, context);
    // Assess
    expect(payload).toBe('<b>bold</b>');
  });
});

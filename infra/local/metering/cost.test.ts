import { describe, expect, it } from 'vitest';
import { formatCostTable, priceMeters, successfulRequests, usdPerMillion } from './cost.ts';
import type { Meters } from './meter.ts';
import { PRICES_US_EAST_1, type Prices } from './prices-us-east-1.ts';

/** Round prices, so that every figure can be checked by hand. */
const PRICES: Prices = {
  region: 'test-region',
  retrieved: '2026-01-01',
  lambdaRequests: { usd: 1, per: 1_000_000, unit: 'requests', sources: [] },
  lambdaGbSecondArm64: { usd: 0.001, per: 1, unit: 'GB-s', sources: [] },
  lambdaGbSecondX86: { usd: 0.002, per: 1, unit: 'GB-s', sources: [] },
  dynamodbWriteRequestUnits: { usd: 2, per: 1_000_000, unit: 'WRU', sources: [] },
  dynamodbReadRequestUnits: { usd: 1, per: 1_000_000, unit: 'RRU', sources: [] },
  eventbridgeCustomEvents: { usd: 1, per: 1_000_000, unit: 'events', sources: [] },
  sqsStandardRequests: { usd: 1, per: 1_000_000, unit: 'requests', sources: [] },
  sqsFifoRequests: { usd: 2, per: 1_000_000, unit: 'requests', sources: [] },
  httpApiRequests: { usd: 1, per: 1_000_000, unit: 'requests', sources: [] },
  logsIngestion: { usd: 1, per: 1, unit: 'GB', sources: [] },
};

function meters(): Meters {
  return {
    since: '2026-12-02T10:00:00.000Z',
    lambda: {
      api: {
        architecture: 'arm64',
        memoryMb: 512,
        requests: 30,
        billedMs: 2000,
        initMs: 300,
        coldStarts: 2,
        gbSeconds: 1,
      },
    },
    dynamodb: { Orders: { calls: 20, readUnits: 10, writeUnits: 40, estimatedCalls: 0 } },
    eventbridge: { bus: { entries: 10, events: 12, bytes: 5000 } },
    sqs: {
      'requests.fifo': { fifo: true, calls: 10, requests: 10, emptyReceives: 4, actions: {} },
      events: { fifo: false, calls: 1000, requests: 1000, emptyReceives: 990, actions: {} },
    },
    apigateway: {
      abc: {
        logicalId: 'PublicApi',
        calls: 10,
        requests: 10,
        routes: { 'POST /v1/items': { '202': 4, '400': 1 }, 'GET /v1/items/{id}': { '200': 5 } },
      },
      def: { logicalId: 'OtherApi', calls: 1, requests: 1, routes: { 'POST /v1/items': { '201': 1 } } },
    },
    logs: { '/aws/lambda/api': { bytes: 1024 ** 3 / 1000, events: 100 } },
  };
}

describe('priceMeters', () => {
  it('prices every billed quantity, the idle receives apart', () => {
    // Act
    const lines = priceMeters(meters(), PRICES);
    // Assess
    expect(
      lines.map(({ service, item, quantity, usd, perWork }) => [service, item, quantity, usd, perWork]),
    ).toEqual([
      ['Lambda', 'requests', 30, 0.00003, true],
      ['Lambda', 'compute arm64', 1, 0.001, true],
      ['DynamoDB', 'write request units', 40, 0.00008, true],
      ['DynamoDB', 'read request units', 10, 0.00001, true],
      ['EventBridge', 'custom events', 12, 0.000012, true],
      ['SQS', 'standard requests', 10, 0.00001, true],
      ['SQS', 'FIFO requests', 6, 0.000012, true],
      ['SQS', 'standard empty receives', 990, 0.00099, false],
      ['SQS', 'FIFO empty receives', 4, 0.000008, false],
      ['API Gateway', 'HTTP API requests', 11, 0.000011, true],
      ['CloudWatch Logs', 'ingestion', 0.001, 0.001, true],
    ]);
  });

  it('shows every service even when nothing was counted', () => {
    // Act
    const lines = priceMeters(
      { since: '', lambda: {}, dynamodb: {}, eventbridge: {}, sqs: {}, apigateway: {}, logs: {} },
      PRICES_US_EAST_1,
    );
    // Assess
    expect(new Set(lines.map((line) => line.service))).toEqual(
      new Set(['Lambda', 'DynamoDB', 'EventBridge', 'SQS', 'API Gateway', 'CloudWatch Logs']),
    );
    expect(lines.every((line) => line.usd === 0)).toBe(true);
  });

  it('applies the us-east-1 list prices', () => {
    // Prepare
    const counted = meters();
    // Act
    const lines = priceMeters(counted, PRICES_US_EAST_1);
    const usd = Object.fromEntries(lines.map((line) => [`${line.service} ${line.item}`, line.usd]));
    // Assess
    expect(usd['DynamoDB write request units']).toBeCloseTo(40 * 0.625e-6, 15);
    expect(usd['Lambda compute arm64']).toBeCloseTo(0.0000133334, 15);
    expect(usd['SQS FIFO requests']).toBeCloseTo(6 * 0.5e-6, 15);
  });
});

describe('successfulRequests', () => {
  it('counts the 2xx answers of a route over every API', () => {
    // Act
    const count = successfulRequests(meters(), 'POST /v1/items');
    // Assess
    expect(count).toBe(5);
  });

  it('counts nothing for a route no request reached', () => {
    // Act
    const count = successfulRequests(meters(), 'DELETE /v1/items/{id}');
    // Assess
    expect(count).toBe(0);
  });
});

describe('formatCostTable', () => {
  it('prints each service with its lines, the total and the cost per million', () => {
    // Prepare
    const lines = priceMeters(meters(), PRICES);
    // Act
    const table = formatCostTable(lines, { count: 5, noun: 'items' });
    // Assess
    const rows = table.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^\s+quantity\s+unit\s+USD$/);
    expect(rows[1]).toMatch(/^Lambda\s+0\.001030$/);
    expect(rows[2]).toMatch(/^ {2}requests\s+30\s+requests\s+0\.000030$/);
    expect(rows).toContainEqual(expect.stringMatching(/^ {2}ingestion\s+0\.00100\s+GB\s+0\.001000$/));
    expect(rows).toContainEqual(expect.stringMatching(/^Total\s+0\.003163$/));
    expect(rows).toContain('of which not growing with the work (idle polling): 0.000998 USD');
    expect(rows.at(-2)).toBe('items: 5');
    // (0.003163 - 0.000998) / 5 * 1e6
    expect(rows.at(-1)).toBe('USD per 1M items: 433.00');
  });

  it('leaves out the per-million line when nothing was counted', () => {
    // Act
    const table = formatCostTable(priceMeters(meters(), PRICES), { count: 0, noun: 'items' });
    // Assess
    expect(table).not.toMatch(/per 1M/);
  });

  it('writes large quantities with separators', () => {
    // Prepare
    const lines = [
      {
        service: 'SQS',
        item: 'standard requests',
        quantity: 1234567,
        unit: 'requests',
        usd: 0.49,
        perWork: true,
      },
      {
        service: 'Lambda',
        item: 'compute arm64',
        quantity: 1234.56789,
        unit: 'GB-s',
        usd: 0.02,
        perWork: true,
      },
    ];
    // Act
    const table = formatCostTable(lines);
    // Assess
    expect(table).toMatch(/standard requests\s+1,234,567\s+requests\s+0\.490000/);
    expect(table).toMatch(/compute arm64\s+1,234\.568\s+GB-s/);
  });
});

describe('usdPerMillion', () => {
  it('divides what grows with the work by the work done', () => {
    // Prepare
    const lines = [
      { service: 'A', item: 'a', quantity: 1, unit: 'u', usd: 0.003, perWork: true },
      { service: 'A', item: 'idle', quantity: 1, unit: 'u', usd: 1, perWork: false },
    ];
    // Act
    const perMillion = usdPerMillion(lines, 3);
    // Assess
    expect(perMillion).toBeCloseTo(1000, 9);
  });
});

import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { testIo } from '../cli/test-support.ts';
import { successfulRequests } from './cost.ts';
import { DEFAULT_EDGE_URL, runCostCli } from './cost-cli.ts';
import type { Meters } from './meter.ts';

const ROUTE = 'POST /v1/items';
const options = { noun: 'items', count: (meters: Meters) => successfulRequests(meters, ROUTE) };

function metersWith(accepted: number): Meters {
  return {
    since: '2026-12-02T10:00:00.000Z',
    lambda: {
      fn: {
        architecture: 'arm64',
        memoryMb: 1024,
        requests: 4,
        billedMs: 400,
        initMs: 0,
        coldStarts: 0,
        gbSeconds: 0.4,
      },
    },
    dynamodb: { T: { calls: 2, readUnits: 1, writeUnits: 4, estimatedCalls: 0 } },
    eventbridge: {},
    sqs: {},
    apigateway: {
      api: {
        logicalId: 'Api',
        calls: accepted,
        requests: accepted,
        routes: { [ROUTE]: { '202': accepted } },
      },
    },
    logs: {},
  };
}

const stateDirs: string[] = [];
function io(answer: Parameters<typeof testIo>[0]) {
  const harness = testIo(answer);
  stateDirs.push(harness.stateDir);
  return harness;
}
afterEach(() => {
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('runCostCli', () => {
  it('prints the table and the cost per million items', async () => {
    // Prepare
    const harness = io(() => ({ body: metersWith(2) }));
    // Act
    const code = await runCostCli([], harness.io, options);
    // Assess
    expect(code).toBe(0);
    expect(harness.calls).toEqual([
      { method: 'GET', url: 'http://127.0.0.1:9/_local/meters', body: undefined },
    ]);
    const out = harness.stdout();
    expect(out).toMatch(/^Since 2026-12-02T10:00:00.000Z, at us-east-1 list prices of \d{4}-\d{2}-\d{2}:\n/);
    expect(out).toMatch(/\nLambda\s+[\d.]+\n {2}requests\s+4\s+requests/);
    // 4 requests, 0.4 GB-s arm64, 4 WRU, 1 RRU, 2 API requests at us-east-1 prices, per item
    const usd = 4 * 0.2e-6 + 0.4 * 0.0000133334 + 4 * 0.625e-6 + 0.125e-6 + 2e-6;
    expect(out).toContain(`USD per 1M items: ${((usd / 2) * 1e6).toFixed(2)}\n`);
  });

  it('says plainly that nothing was made, and fails', async () => {
    // Prepare
    const harness = io(() => ({ body: metersWith(0) }));
    // Act
    const code = await runCostCli([], harness.io, options);
    // Assess
    expect(code).toBe(1);
    expect(harness.stdout()).not.toMatch(/per 1M/);
    expect(harness.stderr()).toBe(
      'cost: no items were made since 2026-12-02T10:00:00.000Z, so there is nothing to divide the cost by; make some, then run npm run cost again\n',
    );
  });

  it('zeroes the meters with --reset', async () => {
    // Prepare
    const harness = io(() => ({ body: { ...metersWith(0), since: '2026-12-02T12:00:00.000Z' } }));
    // Act
    const code = await runCostCli(['--reset'], harness.io, options);
    // Assess
    expect(code).toBe(0);
    expect(harness.calls.map((call) => call.method)).toEqual(['DELETE']);
    expect(harness.stdout()).toBe('meters zeroed at 2026-12-02T12:00:00.000Z\n');
  });

  it('prints JSON with --json', async () => {
    // Prepare
    const harness = io(() => ({ body: metersWith(4) }));
    // Act
    const code = await runCostCli(['--json'], harness.io, options);
    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(harness.stdout()) as Record<string, unknown>;
    expect(report).toMatchObject({ items: 4, usdPerMillion: expect.any(Number), meters: metersWith(4) });
    expect(report.lines).toContainEqual(expect.objectContaining({ service: 'DynamoDB', quantity: 4 }));
  });

  it('asks the edge of --edge, else of LOCAL_EDGE_URL, else of the state folder', async () => {
    // Prepare
    const harness = io(() => ({ body: metersWith(1) }));
    // Act
    await runCostCli(['--edge', 'http://127.0.0.1:7001'], harness.io, options);
    harness.io.env.LOCAL_EDGE_URL = 'http://127.0.0.1:7002/';
    await runCostCli([], harness.io, options);
    // Assess
    expect(harness.calls.map((call) => call.url)).toEqual([
      'http://127.0.0.1:7001/_local/meters',
      'http://127.0.0.1:7002/_local/meters',
    ]);
  });

  it('asks the default edge when no local cloud was started in the state folder', async () => {
    // Prepare
    const harness = io(() => ({ body: metersWith(1) }));
    // Act
    await runCostCli(['--state', `${harness.stateDir}/never-started`], harness.io, options);
    // Assess
    expect(harness.calls.map((call) => call.url)).toEqual([`${DEFAULT_EDGE_URL}/_local/meters`]);
  });

  it('fails in one line when no local cloud answers', async () => {
    // Prepare
    const harness = io('unreachable');
    // Act
    const code = await runCostCli([], harness.io, options);
    // Assess
    expect(code).toBe(1);
    expect(harness.stderr()).toMatch(
      /^cost: cannot reach the local cloud at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/,
    );
  });

  it('names an edge without meters', async () => {
    // Prepare
    const harness = io(() => ({ status: 404, body: { error: 'no admin route GET /_local/meters' } }));
    // Act
    const code = await runCostCli([], harness.io, options);
    // Assess
    expect(code).toBe(1);
    expect(harness.stderr()).toBe(
      'cost: the local cloud at http://127.0.0.1:9 has no meters (started before metering?)\n',
    );
  });

  it('refuses an unexpected argument with exit code 2', async () => {
    // Prepare
    const harness = io(() => ({ body: metersWith(1) }));
    // Act
    const code = await runCostCli(['now'], harness.io, options);
    // Assess
    expect(code).toBe(2);
    expect(harness.calls).toEqual([]);
  });

  it('prints its usage with --help', async () => {
    // Prepare
    const harness = io(() => ({ body: metersWith(1) }));
    // Act
    const code = await runCostCli(['--help'], harness.io, options);
    // Assess
    expect(code).toBe(0);
    expect(harness.stdout()).toMatch(/^Prices what the running local cloud counted/);
  });
});

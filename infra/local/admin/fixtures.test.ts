import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminRequest, AdminResponse } from './api.ts';
import { fixtureFiles, fixtureRoutes } from './fixtures.ts';

let dir: string;

const envelope = (orderId: string) => ({
  source: 'app.orders',
  'detail-type': 'OrderPlaced',
  time: '2026-01-01T10:00:00Z',
  detail: { orderId },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fixtures-'));
  await mkdir(join(dir, 'scenarios'));
  await mkdir(join(dir, '.hidden'));
  await writeFile(join(dir, 'one.json'), JSON.stringify(envelope('o-1')));
  await writeFile(join(dir, 'scenarios', 'two.json'), JSON.stringify([envelope('o-2'), envelope('o-3')]));
  await writeFile(join(dir, 'broken.json'), '{ not json');
  await writeFile(join(dir, 'README.md'), 'not a fixture');
  await writeFile(join(dir, '.hidden', 'secret.json'), JSON.stringify(envelope('o-9')));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The admin API's replay and outcomes routes, faked: every event settles at once. */
function adminRoutes() {
  const calls: AdminRequest[] = [];
  const route = async (request: AdminRequest): Promise<AdminResponse> => {
    calls.push(request);
    const body = request.body as { envelopes?: unknown[]; eventIds?: string[] };
    if (request.path === '/replay') {
      return {
        status: 200,
        body: {
          bus: 'app-bus',
          events: (body.envelopes ?? []).map((_, index) => ({
            index,
            source: 'app.orders',
            detailType: 'OrderPlaced',
            eventId: `e-${index}`,
          })),
        },
      };
    }
    if (request.path === '/outcomes') {
      return {
        status: 200,
        body: {
          settled: true,
          events: (body.eventIds ?? []).map((eventId) => ({
            eventId,
            source: 'app.orders',
            detailType: 'OrderPlaced',
            eventBusName: 'app-bus',
            receivedAt: '2026-01-01T10:00:00Z',
            matchedRules: ['orders-rule'],
            targets: [
              {
                ruleName: 'orders-rule',
                targetId: 'q',
                targetArn: 'arn:aws:sqs:us-east-1:0:orders',
                status: 'delivered',
                retries: 0,
              },
            ],
            settled: true,
            failed: false,
          })),
        },
      };
    }
    return { status: 404, body: { error: 'no such route' } };
  };
  return { calls, route };
}

const post = (body: unknown): AdminRequest => ({
  method: 'POST',
  path: '/fixtures/replay',
  query: new URLSearchParams(),
  body,
});

describe('fixtureFiles', () => {
  it('lists the JSON files below the folder by their path, hidden ones left out', async () => {
    expect(await fixtureFiles(dir)).toEqual(['broken.json', 'one.json', 'scenarios/two.json']);
  });

  it('lists nothing for a folder that is not there', async () => {
    expect(await fixtureFiles(join(dir, 'missing'))).toEqual([]);
  });
});

describe('fixtureRoutes', () => {
  it('lists each fixture with its number of events, or why it cannot be read', async () => {
    const routes = fixtureRoutes({ dir, route: adminRoutes().route });

    const answer = await routes.route({
      method: 'GET',
      path: '/fixtures',
      query: new URLSearchParams(),
      body: undefined,
    });

    expect(answer).toEqual({
      status: 200,
      body: {
        fixtures: [
          { name: 'broken.json', problem: expect.stringContaining('cannot read fixture') },
          { name: 'one.json', events: 1 },
          { name: 'scenarios/two.json', events: 2 },
        ],
      },
    });
  });

  it('replays a fixture in order and answers the report, as text too', async () => {
    const admin = adminRoutes();
    const routes = fixtureRoutes({ dir, route: admin.route });

    const answer = await routes.route(post({ name: 'scenarios/two.json', timeoutMs: 5_000 }));

    expect(answer?.status).toBe(200);
    expect(answer?.body).toMatchObject({
      name: 'scenarios/two.json',
      failed: false,
      report: { settled: true },
    });
    expect((answer!.body as { text: string }).text).toContain(
      '[1] OrderPlaced (app.orders) → event e-0: matched orders-rule',
    );
    expect(admin.calls.map((call) => call.path)).toEqual(['/replay', '/outcomes']);
    expect((admin.calls[0]!.body as { envelopes: unknown[] }).envelopes).toEqual([
      envelope('o-2'),
      envelope('o-3'),
    ]);
    expect((admin.calls[1]!.body as { timeoutMs: number }).timeoutMs).toBe(5_000);
  });

  it('uses the application’s loader, and refuses with 422 what it refuses, sending nothing', async () => {
    const admin = adminRoutes();
    const routes = fixtureRoutes({
      dir,
      route: admin.route,
      load: (file) => {
        if (file.endsWith('one.json')) throw new Error(`${file} [0] at detail.customerId: Required`);
        return [envelope('checked')];
      },
    });

    const refused = await routes.route(post({ name: 'one.json' }));
    const accepted = await routes.route(post({ name: 'scenarios/two.json' }));

    expect(refused).toEqual({
      status: 422,
      body: {
        error: expect.stringMatching(
          /^fixture refused, nothing was sent: .*one\.json \[0\] at detail\.customerId/,
        ),
      },
    });
    expect(accepted?.status).toBe(200);
    expect((admin.calls[0]!.body as { envelopes: unknown[] }).envelopes).toEqual([envelope('checked')]);
  });

  it.each([
    ['a name outside the folder', { name: '../outside.json' }, 404],
    ['a hidden file', { name: '.hidden/secret.json' }, 404],
    ['no name', {}, 400],
    ['a negative timeout', { name: 'one.json', timeoutMs: -1 }, 400],
  ])('refuses %s', async (_case, body, status) => {
    const admin = adminRoutes();
    const routes = fixtureRoutes({ dir, route: admin.route });

    const answer = await routes.route(post(body));

    expect(answer?.status).toBe(status);
    expect(admin.calls).toEqual([]);
  });

  it('answers 400 when the bus refuses the replay', async () => {
    const routes = fixtureRoutes({
      dir,
      route: async () => ({ status: 400, body: { error: 'envelope 0: source is missing' } }),
    });

    const answer = await routes.route(post({ name: 'one.json' }));

    expect(answer).toEqual({ status: 400, body: { error: 'replay refused: envelope 0: source is missing' } });
  });

  it('leaves other requests to other routes', async () => {
    const routes = fixtureRoutes({ dir, route: adminRoutes().route });

    expect(
      await routes.route({
        method: 'DELETE',
        path: '/fixtures',
        query: new URLSearchParams(),
        body: undefined,
      }),
    ).toBeUndefined();
  });
});

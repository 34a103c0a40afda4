import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, localCloud, scheduleRequest, tokenFor, waitFor } from '../support/e2e.ts';

// The operations console in a real Chromium (Debian's `chromium` package, driven by playwright-core):
// one delivery scheduled through the API is followed on the page from request to Completed, on the
// map and in its timeline; a dead-letter queue is redriven and a fault turned on and off from the page;
// the page has no errors and no serious accessibility violation (axe-core). It writes docs/console.png.

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `console browser tests skipped: no Chromium at ${CHROMIUM} (install it with apt-get install -y chromium, or set CHROMIUM_PATH)`,
  );
}

const HISTORY_DLQ = 'DroneDelivery-dev-history-delivery-events-dlq';
const WAIT = { timeout: 60_000 };

// What the functions run in the page use of it (the project's type check has no DOM library).
type Dom = {
  document: { querySelector(selector: string): Marked | null; activeElement: unknown };
};
type Marked = { dataset: Record<string, string | undefined> };

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
let deliveryId = '';
let token = '';

/** An element's attribute once the element is there. */
async function attribute(selector: string, name: string): Promise<string> {
  const locator = page.locator(selector);
  await locator.waitFor(WAIT);
  return (await locator.getAttribute(name)) ?? '';
}

async function admin(method: string, route: string, body?: unknown) {
  const response = await fetch(`${localCloud().edgeUrl}/_local${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as { functions: { function: string }[] };
}

describe.skipIf(!hasChromium)('the operations console', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      // The refused fixture's 422 is an answer the page shows; the browser logs every 4xx all the same.
      const refusedFixture =
        message.location().url.endsWith('/_local/fixtures/replay') && message.text().includes('422');
      if (!refusedFixture) pageErrors.push(`console error: ${message.text()} (${message.location().url})`);
    });
    await page.goto(`${localCloud().edgeUrl}/_local/console/`);
    await page.locator('body[data-ready="true"]').waitFor(WAIT);
    await page.locator('#connection[data-state="live"]').waitFor(WAIT);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows a delivery scheduled through the API until it is Completed, its drone moving on the map', async () => {
    token = await tokenFor('acct-demo');
    const accepted = await callApi('POST', '/v1/deliveries', {
      token,
      body: scheduleRequest(),
      headers: { 'idempotency-key': `console-${randomUUID()}` },
    });
    expect(accepted.status).toBe(202);
    deliveryId = accepted.body.deliveryId;
    const row = `#deliveries-table tr[data-delivery-id="${deliveryId}"]`;

    await page.locator(row).waitFor(WAIT);
    await page.locator(`${row} td:nth-of-type(3):not(:empty)`).waitFor(WAIT);
    const droneId = (await page.locator(`${row} td:nth-of-type(3)`).textContent()) ?? '';
    const drone = `#map-svg g.drone[data-drone-id="${droneId}"]`;
    const first = {
      selector: drone,
      latitude: await attribute(drone, 'data-latitude'),
      longitude: await attribute(drone, 'data-longitude'),
    };
    await page.waitForFunction(
      ({ selector, latitude, longitude }) => {
        const mark = (globalThis as unknown as Dom).document.querySelector(selector);
        return mark !== null && (mark.dataset.latitude !== latitude || mark.dataset.longitude !== longitude);
      },
      first,
      WAIT,
    );
    await page.locator(`${row}[data-stage="Completed"]`).waitFor({ timeout: 90_000 });

    expect(droneId).not.toBe('');
    expect(await page.locator(`#map-svg g.delivery[data-delivery-id="${deliveryId}"] .dropoff`).count()).toBe(
      1,
    );
    expect(await page.locator(`${row} td:nth-of-type(2)`).textContent()).toBe('Completed');
  });

  it('draws the timeline of the completed delivery, chosen with the keyboard', async () => {
    await page.locator(`#deliveries-table tr[data-delivery-id="${deliveryId}"] button`).focus();
    await page.keyboard.press('Enter');

    const list = page.locator('#timeline-list');
    await list.locator('li[data-lane="history"]').nth(2).waitFor(WAIT);
    const lanes = await list
      .locator('li')
      .evaluateAll((items) => items.map((item) => (item as unknown as Marked).dataset.lane));
    const history = await list.locator('li[data-lane="history"] .message').allTextContents();
    const events = await list.locator('li[data-lane="event"] .event-outcome').allTextContents();
    const steps = await list.locator('li[data-lane="workflow"] .message').allTextContents();

    for (const lane of ['request', 'queue', 'workflow', 'event', 'consumer', 'history'])
      expect(lanes).toContain(lane);
    expect(history).toEqual(['DeliveryCreated', 'DeliveryInTransit', 'DeliveryCompleted']);
    // Each workflow step is a call of the internal API; booking the drone and scheduling among them.
    expect(steps).toContainEqual(expect.stringMatching(/^PUT \/drones\/assignments\/\S+ → 200$/));
    expect(steps).toContainEqual(expect.stringMatching(/^PUT \/deliveries\/\S+\/schedule → 200$/));
    const created = events.find((text) => text.includes('DeliveryCreated'));
    expect(created).toMatch(/Rules matched: .*History/);
    expect(created).toMatch(/consumer \S*HistoryRecordEvent\S* succeeded/);
    expect(
      await page
        .locator('#timeline-heading')
        .evaluate((heading) => heading === (globalThis as unknown as Dom).document.activeElement),
    ).toBe(true);
  });

  it('redrives a dead-letter queue from the page', async () => {
    const lost = `d-console-${randomUUID().slice(0, 8)}`;
    const envelope = JSON.parse(
      readFileSync(path.join(ROOT, 'events/fixtures/DeliveryCreated.json'), 'utf8'),
    );
    envelope.id = randomUUID();
    envelope.detail.deliveryId = lost;
    envelope.detail.metadata = { ...envelope.detail.metadata, eventId: randomUUID() };
    const sqs = new SQSClient({
      endpoint: localCloud().edgeUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'tester', secretAccessKey: 'tester' },
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: `${localCloud().edgeUrl}/000000000000/${HISTORY_DLQ}`,
        MessageBody: JSON.stringify(envelope),
      }),
    );
    sqs.destroy();
    const row = page.locator(`#queues-table tr[data-queue="${HISTORY_DLQ}"]`);
    await page.locator(`#queues-table tr[data-queue="${HISTORY_DLQ}"]:not([data-depth="0"])`).waitFor(WAIT);

    await row.getByRole('button', { name: /^Messages/ }).click();
    await page.locator('#dlq-messages li', { hasText: lost }).waitFor(WAIT);
    await row.getByRole('button', { name: /^Redrive/ }).click();
    await page
      .locator('#queues-status', { hasText: /moved to DroneDelivery-dev-history-delivery-events\b/ })
      .waitFor(WAIT);
    await page.locator(`#queues-table tr[data-queue="${HISTORY_DLQ}"][data-depth="0"]`).waitFor(WAIT);

    const history = await waitFor(
      () => callApi('GET', `/v1/deliveries/${lost}/history`, { token }),
      (answer) => answer.status === 200 && answer.body.items.length === 1,
      30_000,
    );
    expect(history.body.items.map((item: { type: string }) => item.type)).toEqual(['DeliveryCreated']);
  });

  it('turns a fault on from the page, which makes the next request fail, and off again', async () => {
    const fault = page.locator('#faults-table tr[data-function^="OpenApiGetOpenApi"]');
    await fault.waitFor(WAIT);
    const functionId = (await fault.getAttribute('data-function')) ?? '';
    try {
      await page.locator('#faults-filter').fill('OpenApi');
      await fault.getByRole('button', { name: /fault injection/ }).click();
      await page
        .locator(`#faults-table tr[data-function="${functionId}"] button[aria-pressed="true"]`)
        .waitFor(WAIT);
      const failed = await callApi('GET', '/v1/openapi.json');

      await fault.getByRole('button', { name: /fault injection/ }).click();
      await page
        .locator(`#faults-table tr[data-function="${functionId}"] button[aria-pressed="false"]`)
        .waitFor(WAIT);
      const served = await callApi('GET', '/v1/openapi.json');

      expect(failed.status).toBe(500);
      expect(served.status).toBe(200);
    } finally {
      // Whatever happened above, the next test files meet no fault of this one.
      const { functions } = await admin('GET', '/faults');
      await admin('PUT', '/faults', {
        functions: functions.filter((entry: { function: string }) => entry.function !== functionId),
      });
    }
  });

  it('replays a fixture and shows the report; refuses an invalid one', async () => {
    await page.locator('#replay-fixture').selectOption('DeliveryCreated.json');
    await page.locator('#replay-run').click();
    await page.locator('#replay-summary[data-status="ok"]').waitFor(WAIT);
    const report = (await page.locator('#replay-report').textContent()) ?? '';

    await page.locator('#replay-fixture').selectOption('invalid/missing-delivery-id.json');
    await page.locator('#replay-run').click();
    await page.locator('#replay-summary[data-status="bad"]').waitFor(WAIT);

    expect(report).toMatch(/DeliveryCreated \(drone-delivery\.deliveries\).* matched /);
    expect(report).toMatch(/consumer .*: success/);
    expect(await page.locator('#replay-summary').textContent()).toContain('nothing was sent');
  });

  it('has no page errors and no serious accessibility violation, and is pictured in docs/console.png', async () => {
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    await page.evaluate(axe);
    const result = (await page.evaluate(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) })))',
    )) as { id: string; impact: string; help: string; nodes: string[] }[];
    mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: path.join(ROOT, 'docs/console.png'), fullPage: true });

    expect(
      result.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical'),
    ).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

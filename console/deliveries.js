// @ts-check
// The deliveries table: stage, drone, ETAs and what a delivery waits for or why it failed, live from
// the bus's events; filtered by stage and account. The public API's lists (one per account, with a
// token the console's admin API mints) add what no event tells: requests still waiting for a drone.
import { STAGES } from './model.js';

// The demo accounts the stack seeds (functions/accounts/core/accounts.ts); others appear once seen.
const DEMO_ACCOUNTS = ['acct-demo', 'acct-demo-2', 'acct-demo-3', 'acct-other', 'acct-suspended'];
const LIST_EVERY_MS = 5_000;
const MAX_ROWS = 200;

/**
 * @param {import('./model.js').Model} model
 * @param {any} host
 * @param {{ select(deliveryId: string): void, selected(): string | undefined }} selection
 */
export function mountDeliveries(model, host, selection) {
  const { h, panel, throttle, clock, fill } = host.ui;
  const { section, body } = panel({
    id: 'deliveries',
    title: 'Deliveries',
    description: 'Every delivery seen, newest first. Choose one to see its timeline.',
    wide: true,
  });
  const stage = h(
    'select',
    { id: 'deliveries-stage' },
    h('option', { value: '' }, 'All stages'),
    STAGES.map((name) => h('option', { value: name }, name)),
  );
  const account = h('select', { id: 'deliveries-account' }, h('option', { value: '' }, 'All accounts'));
  const count = h('p', { id: 'deliveries-count', class: 'hint', role: 'status' });
  const rows = h('tbody');
  body.append(
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'deliveries-stage' }, 'Stage'),
      stage,
      h('label', { for: 'deliveries-account' }, 'Account'),
      account,
    ),
    count,
    h(
      'div',
      { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': 'deliveries-title' },
      h(
        'table',
        { class: 'data', id: 'deliveries-table' },
        h('caption', { class: 'visually-hidden' }, 'Deliveries, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Delivery', 'Account', 'Stage', 'Drone', 'Pickup ETA', 'Delivery ETA', 'Waits for / reason'].map(
              (name) => h('th', { scope: 'col' }, name),
            ),
          ),
        ),
        rows,
      ),
    ),
  );
  host.container.append(section);

  /** @type {Map<string, { row: HTMLTableRowElement, cells: HTMLTableCellElement[], button: HTMLButtonElement }>} */
  const known = new Map();
  const accountsListed = new Set();

  /** @param {import('./model.js').Delivery} delivery */
  const rowFor = (delivery) => {
    const existing = known.get(delivery.deliveryId);
    if (existing) return existing;
    const button = h(
      'button',
      { type: 'button', class: 'link', onclick: () => selection.select(delivery.deliveryId) },
      delivery.deliveryId,
    );
    const cells = Array.from({ length: 6 }, () => h('td'));
    const row = h(
      'tr',
      { 'data-delivery-id': delivery.deliveryId },
      h('th', { scope: 'row' }, button),
      ...cells,
    );
    const entry = { row, cells, button };
    known.set(delivery.deliveryId, entry);
    return entry;
  };

  /** @param {import('./model.js').Delivery} delivery */
  const reasonOf = (delivery) => {
    if (delivery.waiting) return `a free ${delivery.waiting.for}, until ${clock(delivery.waiting.until)}`;
    if (delivery.stage === 'Failed') return delivery.failureReason ?? 'failed';
    return '';
  };

  function draw() {
    for (const id of model.accounts) {
      if (accountsListed.has(id)) continue;
      accountsListed.add(id);
      account.append(h('option', { value: id }, id));
    }
    const chosenStage = stage.value;
    const chosenAccount = account.value;
    const all = [...model.deliveries.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const shown = all
      .filter((delivery) => !chosenStage || delivery.stage === chosenStage)
      .filter((delivery) => !chosenAccount || delivery.accountId === chosenAccount)
      .slice(0, MAX_ROWS);
    const chosen = selection.selected();
    shown.forEach((delivery, index) => {
      const { row, cells, button } = rowFor(delivery);
      row.dataset.stage = delivery.stage;
      row.classList.toggle('chosen', delivery.deliveryId === chosen);
      button.setAttribute('aria-pressed', String(delivery.deliveryId === chosen));
      const values = [
        delivery.accountId ?? '',
        delivery.stage,
        delivery.droneId ?? '',
        clock(delivery.pickupEta),
        clock(delivery.deliveryEta),
        reasonOf(delivery),
      ];
      values.forEach((value, position) => {
        const cell = cells[position];
        if (cell && cell.textContent !== value) cell.textContent = value;
      });
      cells[1]?.setAttribute(
        'data-status',
        delivery.stage === 'Failed' ? 'bad' : delivery.stage === 'Completed' ? 'ok' : '',
      );
      // Rows are moved, not made again, so a focused button keeps its focus.
      if (rows.children[index] !== row) rows.insertBefore(row, rows.children[index] ?? null);
    });
    while (rows.children.length > shown.length) rows.lastElementChild?.remove();
    count.textContent = `${shown.length} of ${all.length} deliveries shown.`;
  }

  /** Reads the accounts' lists from the public API; an account whose list fails is left as it is. */
  async function list() {
    const accounts = account.value ? [account.value] : [...new Set([...DEMO_ACCOUNTS, ...model.accounts])];
    await Promise.all(
      accounts.map(async (accountId) => {
        try {
          const answer = await host.apis.call('GET', '/v1/deliveries?limit=50', {
            claims: { account_id: accountId },
          });
          if (answer.status !== 200) return;
          for (const item of answer.body.items) model.applyStatus(item, accountId);
        } catch (error) {
          console.warn(`could not list the deliveries of ${accountId}`, error);
        }
      }),
    );
  }

  const redraw = throttle(draw, 200);
  model.subscribe(redraw);
  stage.addEventListener('change', draw);
  account.addEventListener('change', () => {
    draw();
    void list();
  });
  fill(rows);
  draw();
  void list();
  window.setInterval(() => void list(), LIST_EVERY_MS);
  return { redraw: draw };
}

// @ts-check
// Event flow: every event the buses route, newest first, with the rules it matched, what each rule
// target did with it and what the queue consumers behind them did, live from the activity stream.
// "Details" asks the admin API for the event's whole outcome (`/_local/events/<id>`).
import { admin } from '../admin.js';
import { clock, fill, h, panel } from '../ui.js';

const MAX_ROWS = 200;

/**
 * @typedef {{ data: any, row: HTMLTableRowElement, targets: Map<string, string>, ok: number, failed: number,
 *   search: string }} Entry
 */

/**
 * @param {HTMLElement} container
 * @param {import('../stream.js').Stream} stream
 * @returns {{ showEvent(eventId: string): Promise<void> }}
 */
export function mountFlow(container, stream) {
  const { section, body } = panel({
    id: 'event-flow',
    title: 'Event flow',
    description:
      'Each event on the buses as it is routed: the rules it matched, each target’s delivery and the consumers’ outcome.',
    wide: true,
  });
  /** @type {Map<string, Entry>} */
  const entries = new Map();
  const filter = h('input', { id: 'flow-filter', type: 'search', autocomplete: 'off' });
  const rows = h('tbody');
  const details = h('div', { id: 'flow-details', class: 'details', 'aria-live': 'polite' });
  const count = h('p', { class: 'hint', id: 'flow-count' }, 'No event yet.');
  body.append(
    h('div', { class: 'controls' }, h('label', { for: 'flow-filter' }, 'Filter events'), filter),
    count,
    h(
      'div',
      { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': 'event-flow-title' },
      h(
        'table',
        { class: 'data', id: 'flow-table' },
        h('caption', { class: 'visually-hidden' }, 'Events routed by the buses, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Time', 'Event', 'Source', 'Rules matched', 'Targets', 'Consumers', ''].map((name) =>
              h('th', { scope: 'col' }, name),
            ),
          ),
        ),
        rows,
      ),
    ),
    details,
  );
  container.append(section);

  const matches = (/** @type {Entry} */ entry) => {
    const text = filter.value.trim().toLowerCase();
    return text === '' || entry.search.includes(text);
  };
  filter.addEventListener('input', () => {
    for (const entry of entries.values()) entry.row.hidden = !matches(entry);
  });

  /** @param {Entry} entry */
  const render = (entry) => {
    const { data } = entry;
    const targets = [...entry.targets.values()];
    const failedTargets = targets.filter((outcome) => outcome !== 'delivered').length;
    fill(
      entry.row,
      h('td', {}, clock(data.seenAt)),
      h('td', {}, data.detailType, data.replayName ? h('span', { class: 'tag' }, 'replay') : null),
      h('td', {}, data.source),
      h('td', {}, data.matchedRules.length === 0 ? 'none' : data.matchedRules.join(', ')),
      h(
        'td',
        { 'data-status': failedTargets > 0 ? 'bad' : 'ok' },
        targets.length === 0
          ? '–'
          : `${targets.length - failedTargets} delivered${failedTargets ? `, ${failedTargets} not` : ''}`,
      ),
      h(
        'td',
        { 'data-status': entry.failed > 0 ? 'bad' : 'ok' },
        entry.ok + entry.failed === 0
          ? '–'
          : `${entry.ok} ok${entry.failed ? `, ${entry.failed} failed` : ''}`,
      ),
      h(
        'td',
        {},
        h(
          'button',
          { type: 'button', class: 'small', onclick: () => void showEvent(data.eventId) },
          'Details',
          h('span', { class: 'visually-hidden' }, ` of ${data.detailType} ${data.eventId}`),
        ),
      ),
    );
  };

  stream.on('event', (data) => {
    const row = h('tr', { 'data-event-id': data.eventId });
    /** @type {Entry} */
    const entry = {
      data,
      row,
      targets: new Map(),
      ok: 0,
      failed: 0,
      search:
        `${data.source} ${data.detailType} ${data.eventId} ${JSON.stringify(data.detail)}`.toLowerCase(),
    };
    entries.set(data.eventId, entry);
    render(entry);
    row.hidden = !matches(entry);
    rows.prepend(row);
    if (entries.size > MAX_ROWS) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) {
        entries.get(oldest)?.row.remove();
        entries.delete(oldest);
      }
    }
    count.textContent = `${entries.size} most recent events shown.`;
  });
  stream.on('target', (data) => {
    const entry = entries.get(data.eventId);
    if (!entry || data.outcome === 'pending') return;
    entry.targets.set(`${data.rule}/${data.targetId}`, data.outcome);
    render(entry);
  });
  stream.on('consumer', (data) => {
    const entry = data.eventId ? entries.get(data.eventId) : undefined;
    if (!entry || data.duplicate) return;
    if (data.ok) entry.ok += 1;
    else entry.failed += 1;
    render(entry);
  });

  /** @param {string} eventId */
  async function showEvent(eventId) {
    fill(details, h('p', {}, `Loading event ${eventId}…`));
    try {
      const outcome = await admin('GET', `/events/${encodeURIComponent(eventId)}`);
      const detail = entries.get(eventId)?.data.detail;
      fill(
        details,
        h('h3', { id: 'flow-details-title', tabindex: -1 }, `${outcome.detailType} (${outcome.source})`),
        h(
          'p',
          {},
          `Event ${outcome.eventId} on ${outcome.eventBusName}, received ${clock(outcome.receivedAt)}; `,
          outcome.settled ? 'settled' : 'still under way',
          outcome.failed ? ', with a failure.' : '.',
        ),
        h(
          'p',
          {},
          `Rules matched: ${outcome.matchedRules.length ? outcome.matchedRules.join(', ') : 'none'}`,
        ),
        h(
          'ul',
          { class: 'outcomes' },
          outcome.targets.map((/** @type {any} */ target) =>
            h(
              'li',
              { 'data-status': target.status === 'delivered' ? 'ok' : 'bad' },
              `${target.ruleName} → ${target.targetArn.split(':').pop()}: ${target.status}`,
              target.retries ? ` after ${target.retries} retries` : '',
              target.errorCode ? ` (${target.errorCode}: ${target.errorMessage ?? ''})` : '',
              target.consumer
                ? h(
                    'div',
                    { class: 'consumer' },
                    `Consumer ${target.consumer.functionNames.join(', ')}: ${target.consumer.status}`,
                    target.consumer.failures ? `, ${target.consumer.failures} failed attempts` : '',
                    target.consumer.lastError ? ` (last error ${target.consumer.lastError})` : '',
                  )
                : null,
            ),
          ),
        ),
        detail === undefined
          ? null
          : h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(detail, null, 2)),
      );
      const title = document.getElementById('flow-details-title');
      title?.focus();
    } catch (error) {
      fill(details, h('p', { class: 'error' }, `Could not load event ${eventId}: ${String(error)}`));
    }
  }

  return { showEvent };
}

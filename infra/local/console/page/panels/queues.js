// @ts-check
// Queues and dead-letter queues: each queue's depth (visible, in flight, delayed) and the age of its
// oldest message, read again whenever consumers report and every few seconds (ages grow by themselves);
// a dead-letter queue's messages with why each failed, and a redrive back to its source.
import { admin } from '../admin.js';
import { announce, clock, duration, fill, h, panel, throttle } from '../ui.js';

const REFRESH_MS = 3_000;

/**
 * @param {HTMLElement} container
 * @param {import('../stream.js').Stream} stream
 */
export function mountQueues(container, stream) {
  const { section, body } = panel({
    id: 'queues',
    title: 'Queues and dead-letter queues',
    description: 'Depth and oldest message of every queue. A dead-letter queue can be opened and redriven.',
    wide: true,
  });
  const rows = h('tbody');
  const status = h('p', { id: 'queues-status', role: 'status', class: 'hint' });
  const messages = h('div', { id: 'dlq-messages', class: 'details' });
  body.append(
    h(
      'div',
      { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': 'queues-title' },
      h(
        'table',
        { class: 'data', id: 'queues-table' },
        h('caption', { class: 'visually-hidden' }, 'Queues with their depth and oldest message'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Queue',
              'Kind',
              'Visible',
              'In flight',
              'Delayed',
              'Oldest message',
              'Failures go to',
              'Actions',
            ].map((name) => h('th', { scope: 'col' }, name)),
          ),
        ),
        rows,
      ),
    ),
    status,
    messages,
  );
  container.append(section);

  /** @type {Map<string, { row: HTMLTableRowElement, cells: HTMLTableCellElement[] }>} */
  const known = new Map();

  /** @param {any} queue */
  const rowFor = (queue) => {
    const existing = known.get(queue.name);
    if (existing) return existing;
    const cells = Array.from({ length: 6 }, () => h('td'));
    const actions = h('td', { class: 'actions' });
    if (queue.isDeadLetterQueue) {
      actions.append(
        h(
          'button',
          { type: 'button', class: 'small', onclick: () => void show(queue.name) },
          'Messages',
          h('span', { class: 'visually-hidden' }, ` of ${queue.name}`),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'small',
            'data-redrive': queue.name,
            onclick: () => void redrive(queue.name),
          },
          'Redrive',
          h('span', { class: 'visually-hidden' }, ` ${queue.name}`),
        ),
      );
    }
    const row = h(
      'tr',
      { 'data-queue': queue.name },
      h('th', { scope: 'row' }, queue.name),
      ...cells,
      actions,
    );
    const entry = { row, cells };
    known.set(queue.name, entry);
    rows.append(row);
    return entry;
  };

  async function refresh() {
    try {
      const { queues } = await admin('GET', '/queues');
      for (const queue of queues) {
        const { row, cells } = rowFor(queue);
        const depth = queue.visible + queue.inFlight + queue.delayed;
        row.dataset.depth = String(queue.visible);
        row.classList.toggle('attention', queue.isDeadLetterQueue && depth > 0);
        const values = [
          `${queue.fifo ? 'FIFO' : 'standard'}${queue.isDeadLetterQueue ? ', dead-letter' : ''}`,
          String(queue.visible),
          String(queue.inFlight),
          String(queue.delayed),
          queue.oldestAgeSeconds === undefined ? 'empty' : duration(queue.oldestAgeSeconds),
          queue.deadLetterQueue ? `${queue.deadLetterQueue} after ${queue.maxReceiveCount} receives` : '',
        ];
        values.forEach((value, index) => {
          const cell = cells[index];
          if (cell && cell.textContent !== value) cell.textContent = value;
        });
      }
    } catch (error) {
      status.textContent = `Could not read the queues: ${String(error)}`;
    }
  }

  /** @param {string} name */
  async function show(name) {
    fill(messages, h('p', {}, `Reading ${name}…`));
    try {
      const answer = await admin('GET', `/dlqs/${encodeURIComponent(name)}/messages?limit=50`);
      fill(
        messages,
        h('h3', { id: 'dlq-messages-title', tabindex: -1 }, `Messages in ${name}`),
        answer.messages.length === 0
          ? h('p', {}, 'The queue is empty.')
          : h(
              'ol',
              { class: 'messages' },
              answer.messages.map((/** @type {any} */ message) =>
                h(
                  'li',
                  { 'data-message-id': message.messageId },
                  h('div', {}, h('strong', {}, 'Why: '), message.reason),
                  h(
                    'div',
                    { class: 'hint' },
                    `Message ${message.messageId}, sent ${clock(message.sentAt)}, received ${message.receiveCount} times`,
                  ),
                  h('pre', { class: 'json', tabindex: 0 }, message.body),
                ),
              ),
            ),
      );
      document.getElementById('dlq-messages-title')?.focus();
    } catch (error) {
      fill(messages, h('p', { class: 'error' }, `Could not read ${name}: ${String(error)}`));
    }
  }

  /** @param {string} name */
  async function redrive(name) {
    status.textContent = `Redriving ${name}…`;
    try {
      const result = await admin('POST', `/dlqs/${encodeURIComponent(name)}/redrive`, {});
      const text = `Redrive of ${result.queue}: ${result.moved} message${result.moved === 1 ? '' : 's'} moved to ${result.destination}.`;
      status.textContent = text;
      announce(text);
      fill(messages);
    } catch (error) {
      status.textContent = `Redrive of ${name} refused: ${String(error instanceof Error ? error.message : error)}`;
    }
    await refresh();
  }

  const soon = throttle(() => void refresh(), 500);
  stream.on('consumer', soon);
  stream.on('target', soon);
  void refresh();
  window.setInterval(() => void refresh(), REFRESH_MS);
}

// @ts-check
// Faults: turn fault injection on and off per function (an error rate and an added latency, as
// `npm run faults` does). The state is read again after each change and every few seconds, since the
// command line can change it too.
import { admin } from '../admin.js';
import { announce, fill, h, panel } from '../ui.js';

const REFRESH_MS = 5_000;

/**
 * @typedef {{ function: string, errorRate?: number, latencyMs?: number }} Fault
 * @typedef {{ logicalId: string, name: string, faults: Fault[] }} FunctionState
 */

/** @param {Fault} fault */
function describe(fault) {
  const parts = [];
  if (fault.errorRate !== undefined) parts.push(`${Math.round(fault.errorRate * 100)}% errors`);
  if (fault.latencyMs !== undefined) parts.push(`+${fault.latencyMs} ms`);
  return parts.join(', ');
}

/** @param {HTMLElement} container */
export function mountFaults(container) {
  const { section, body } = panel({
    id: 'faults',
    title: 'Faults',
    description:
      'Inject errors (the invocation fails with InjectedFault before the handler runs) or latency into a function.',
  });
  const filter = h('input', { id: 'faults-filter', type: 'search', autocomplete: 'off' });
  const rows = h('tbody');
  const status = h('p', { id: 'faults-status', role: 'status', class: 'hint' });
  const clear = h(
    'button',
    { type: 'button', id: 'faults-clear', onclick: () => void clearAll() },
    'Clear every fault',
  );
  body.append(
    h('div', { class: 'controls' }, h('label', { for: 'faults-filter' }, 'Filter functions'), filter, clear),
    status,
    h(
      'div',
      { class: 'table-scroll tall', tabindex: 0, role: 'region', 'aria-labelledby': 'faults-title' },
      h(
        'table',
        { class: 'data', id: 'faults-table' },
        h('caption', { class: 'visually-hidden' }, 'Functions and their injected faults'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Function', 'Error rate (%)', 'Latency (ms)', 'Fault', 'In force'].map((name) =>
              h('th', { scope: 'col' }, name),
            ),
          ),
        ),
        rows,
      ),
    ),
  );
  container.append(section);

  /** @type {FunctionState[]} */
  let functions = [];
  /** @type {Map<string, { row: HTMLTableRowElement, toggle: HTMLButtonElement, rate: HTMLInputElement,
   *   latency: HTMLInputElement, state: HTMLTableCellElement }>} */
  const known = new Map();

  filter.addEventListener('input', () => {
    const text = filter.value.trim().toLowerCase();
    for (const [logicalId, entry] of known)
      entry.row.hidden = text !== '' && !logicalId.toLowerCase().includes(text);
  });

  /** @param {FunctionState} fn */
  const rowFor = (fn) => {
    const existing = known.get(fn.logicalId);
    if (existing) return existing;
    const id = `fault-${fn.logicalId}`;
    const rate = h('input', {
      id: `${id}-rate`,
      type: 'number',
      min: 0,
      max: 100,
      step: 1,
      value: 100,
      'aria-label': `Error rate of ${fn.logicalId}, in percent`,
    });
    const latency = h('input', {
      id: `${id}-latency`,
      type: 'number',
      min: 0,
      step: 100,
      value: 0,
      'aria-label': `Added latency of ${fn.logicalId}, in milliseconds`,
    });
    const toggle = h(
      'button',
      { type: 'button', class: 'toggle small', 'aria-pressed': 'false', 'data-function': fn.logicalId },
      h('span', { class: 'toggle-text' }, 'Off'),
      h('span', { class: 'visually-hidden' }, ` fault injection for ${fn.logicalId}`),
    );
    toggle.addEventListener(
      'click',
      () => void change(fn.logicalId, toggle.getAttribute('aria-pressed') !== 'true'),
    );
    const state = h('td', { class: 'hint' });
    const row = h(
      'tr',
      { 'data-function': fn.logicalId },
      h('th', { scope: 'row' }, fn.logicalId),
      h('td', {}, rate),
      h('td', {}, latency),
      h('td', {}, toggle),
      state,
    );
    const entry = { row, toggle, rate, latency, state };
    known.set(fn.logicalId, entry);
    rows.append(row);
    return entry;
  };

  async function refresh() {
    try {
      functions = (await admin('GET', '/functions')).functions;
      for (const fn of functions) {
        const entry = rowFor(fn);
        const on = fn.faults.length > 0;
        entry.toggle.setAttribute('aria-pressed', String(on));
        const text = entry.toggle.querySelector('.toggle-text');
        if (text) text.textContent = on ? 'On' : 'Off';
        entry.row.classList.toggle('attention', on);
        fill(
          entry.state,
          on ? fn.faults.map((fault) => `${describe(fault)} (as ${fault.function})`).join('; ') : '',
        );
      }
    } catch (error) {
      status.textContent = `Could not read the functions: ${String(error)}`;
    }
  }

  /** The faults in force, with those that hit `logicalId` left out. @param {string} logicalId */
  const othersThan = (logicalId) => {
    const hitting = new Set(
      (functions.find((fn) => fn.logicalId === logicalId)?.faults ?? []).map((f) => f.function),
    );
    /** @type {Map<string, Fault>} */
    const all = new Map();
    for (const fn of functions) for (const fault of fn.faults) all.set(fault.function, fault);
    return [...all.values()].filter((fault) => !hitting.has(fault.function));
  };

  /**
   * @param {string} logicalId
   * @param {boolean} on
   */
  async function change(logicalId, on) {
    const entry = known.get(logicalId);
    if (!entry) return;
    try {
      if (on) {
        const errorRate = Math.min(100, Math.max(0, Number(entry.rate.value) || 0)) / 100;
        const latencyMs = Math.max(0, Math.round(Number(entry.latency.value) || 0));
        if (errorRate === 0 && latencyMs === 0) {
          status.textContent = `Give ${logicalId} an error rate or a latency first.`;
          return;
        }
        await admin('POST', '/faults', {
          function: logicalId,
          ...(errorRate > 0 ? { errorRate } : {}),
          ...(latencyMs > 0 ? { latencyMs } : {}),
        });
      } else {
        await admin('PUT', '/faults', { functions: othersThan(logicalId) });
      }
      const text = `Fault injection ${on ? 'on' : 'off'} for ${logicalId}.`;
      status.textContent = text;
      announce(text);
    } catch (error) {
      status.textContent = `Could not change the faults of ${logicalId}: ${String(error instanceof Error ? error.message : error)}`;
    }
    await refresh();
  }

  async function clearAll() {
    try {
      await admin('DELETE', '/faults');
      status.textContent = 'Every fault cleared.';
      announce('Every fault cleared.');
    } catch (error) {
      status.textContent = `Could not clear the faults: ${String(error)}`;
    }
    await refresh();
  }

  void refresh();
  window.setInterval(() => void refresh(), REFRESH_MS);
}

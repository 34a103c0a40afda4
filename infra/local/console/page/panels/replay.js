// @ts-check
// Replay: choose one of the fixtures the local cloud was given and put its events on the bus, in
// order; the report (rules matched, targets, consumers) is shown as `npm run replay` prints it.
import { admin } from '../admin.js';
import { announce, fill, h, panel } from '../ui.js';

/** @param {HTMLElement} container */
export async function mountReplay(container) {
  const { section, body } = panel({
    id: 'replay',
    title: 'Replay a fixture',
    description:
      'Puts a fixture’s events on the bus in order and reports what every rule, target and consumer did.',
  });
  container.append(section);
  let fixtures;
  try {
    fixtures = (await admin('GET', '/fixtures')).fixtures;
  } catch (error) {
    const reason =
      /** @type {{ status?: number }} */ (error).status === 404
        ? 'no fixtures folder was given'
        : String(error);
    body.append(h('p', { class: 'hint' }, `Nothing to replay: ${reason}.`));
    return;
  }
  const select = h(
    'select',
    { id: 'replay-fixture' },
    fixtures.map((/** @type {any} */ fixture) =>
      h(
        'option',
        { value: fixture.name },
        fixture.problem ? `${fixture.name} (invalid)` : `${fixture.name} (${fixture.events} events)`,
      ),
    ),
  );
  const button = h('button', { type: 'submit', id: 'replay-run' }, 'Replay');
  const summary = h('p', { id: 'replay-summary', role: 'status' });
  const report = h('pre', { id: 'replay-report', class: 'report', tabindex: 0, hidden: true });
  const form = h(
    'form',
    { class: 'controls' },
    h('label', { for: 'replay-fixture' }, 'Fixture'),
    select,
    button,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
  body.append(form, summary, report);

  async function run() {
    const name = select.value;
    button.disabled = true;
    section.setAttribute('aria-busy', 'true');
    summary.textContent = `Replaying ${name}; waiting for every delivery to end…`;
    report.hidden = true;
    try {
      const answer = await admin('POST', '/fixtures/replay', { name });
      const text = `${name}: ${answer.failed ? 'some events failed or did not finish' : 'every event delivered and processed'}.`;
      summary.textContent = text;
      summary.dataset.status = answer.failed ? 'bad' : 'ok';
      fill(report, answer.text);
      report.hidden = false;
      announce(text);
    } catch (error) {
      summary.textContent = String(error instanceof Error ? error.message : error);
      summary.dataset.status = 'bad';
    } finally {
      button.disabled = false;
      section.removeAttribute('aria-busy');
    }
  }
}

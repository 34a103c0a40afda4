// @ts-check
// One delivery's timeline, drawn from what `npm run trace` knows (the local cloud's trace of the
// delivery id through the correlation ids of its log lines): the API request, the queue messages and
// their consumers, each workflow step with its retries, each event with the rules it matched and what
// each consumer did, and the history entries the public API returns. Lanes are told apart by the
// function or API a hop comes from (docs/architecture.md §2 lists them): a workflow step is a call of
// the internal API as its gateway saw it, with the lines the called service logged.

const LANES = /** @type {const} */ ([
  { id: 'request', label: 'API request', counted: 'API request lines' },
  { id: 'queue', label: 'Queue', counted: 'queue messages handled' },
  { id: 'workflow', label: 'Workflow step', counted: 'workflow steps' },
  { id: 'event', label: 'Event', counted: 'event routings' },
  { id: 'consumer', label: 'Consumer', counted: 'consumer lines' },
  { id: 'drone', label: 'Drone report', counted: 'drone reports' },
  { id: 'history', label: 'History entry', counted: 'history entries' },
]);

/** @typedef {{ time: string, lane: string, source: string, message: string, fields: Record<string, string>,
 *   retry: boolean, outcome?: any }} Item */

/**
 * The lane of a trace hop, by where it comes from.
 * @param {{ source: string, message: string }} hop
 */
export function laneOf(hop) {
  // The drone's own reports (the simulator's telemetry) are no step of the workflow.
  if (
    /^Drone(Simulator|IngestTelemetry)/.test(hop.source) ||
    / \/drones\/[^/]+\/telemetry /.test(hop.message)
  ) {
    return 'drone';
  }
  if (hop.source.startsWith('api:')) return hop.source.startsWith('api:InternalApi') ? 'workflow' : 'request';
  if (hop.source.startsWith('sqs:')) return 'queue';
  if (hop.source.startsWith('eventbridge:')) return 'event';
  if (/Scheduler(Schedule|Reschedule|Cancel)(?![a-z])/.test(hop.source)) return 'request';
  if (
    /Scheduler(Workflow|ForwardWaits|Supervisor|SweepRequests)|Accounts|Package|Drone(Assign|Release)/.test(
      hop.source,
    ) ||
    /Delivery(Put|Schedule|Reschedule|Cancel|Fail|MarkWaiting|RejectReschedule|GetDeliveryInternal)/.test(
      hop.source,
    )
  ) {
    return 'workflow';
  }
  return 'consumer';
}

/**
 * Whether a hop is a retry or a failed attempt: a downstream call tried again or answered with an
 * error worth retrying, a failed attempt logged, a message received again.
 * @param {{ message: string, fields: Record<string, string> }} hop
 */
export function isRetry(hop) {
  return (
    /retry|retrying|redeliver|attempt failed/i.test(hop.message) ||
    / → (5\d\d|429|408)$/.test(hop.message) ||
    Number(hop.fields.receiveCount ?? 1) > 1
  );
}

/**
 * The hops worth a line: reads of the public API (the console's own among them) change nothing.
 * @param {{ source: string, message: string }} hop
 */
export function isShown(hop) {
  const publicRead =
    hop.source.startsWith('api:') && laneOf(hop) === 'request' && hop.message.startsWith('GET ');
  return !publicRead;
}

/**
 * @param {import('./model.js').Model} model
 * @param {any} host
 */
export function mountTimeline(model, host) {
  const { h, svg, fill, panel } = host.ui;
  const { section, body } = panel({
    id: 'timeline',
    title: 'Delivery timeline',
    description: 'Choose a delivery in the table to follow it through every service.',
    wide: true,
  });
  const heading = h('h3', { id: 'timeline-heading', tabindex: -1 }, 'No delivery chosen.');
  const summary = h('p', { id: 'timeline-summary', role: 'status' });
  const strip = svg('svg', { class: 'timeline-strip', 'aria-hidden': 'true', viewBox: '0 0 800 153' });
  const list = h('ol', { id: 'timeline-list', class: 'timeline' });
  const reload = h('button', { type: 'button', class: 'small', hidden: true }, 'Read again');
  body.append(h('div', { class: 'controls' }, heading, reload), summary, strip, list);
  host.container.append(section);
  /** @type {string | undefined} */
  let current;
  reload.addEventListener('click', () => current && void show(current, false));

  /** @param {string} deliveryId */
  async function historyOf(deliveryId) {
    const accountId = model.deliveries.get(deliveryId)?.accountId;
    if (!accountId) return [];
    const answer = await host.apis.call(
      'GET',
      `/v1/deliveries/${encodeURIComponent(deliveryId)}/history?limit=100`,
      {
        claims: { account_id: accountId },
      },
    );
    return answer.status === 200 ? answer.body.items : [];
  }

  /**
   * @param {string} deliveryId
   * @param {boolean} focus move the focus to the timeline's heading
   */
  async function show(deliveryId, focus = true) {
    const fresh = current !== deliveryId;
    current = deliveryId;
    heading.textContent = `Timeline of ${deliveryId}`;
    if (fresh) summary.textContent = 'Reading the trace…';
    reload.hidden = false;
    if (focus) heading.focus();
    const [trace, history] = await Promise.all([
      host.admin('GET', `/trace?${new URLSearchParams({ value: deliveryId, key: 'correlation_id' })}`),
      historyOf(deliveryId).catch(() => []),
    ]);
    if (current !== deliveryId) return;
    /** @type {Set<string>} */
    const called = new Set();
    /** @type {Item[]} */
    const items = trace.hops.filter(isShown).map((/** @type {any} */ hop) => {
      // The same internal call made again is the step retried.
      const call =
        laneOf(hop) === 'workflow' && hop.source.startsWith('api:')
          ? hop.message.replace(/ → \d+$/, '')
          : undefined;
      const again = call !== undefined && called.has(call);
      if (call !== undefined) called.add(call);
      return { ...hop, lane: laneOf(hop), retry: again || isRetry(hop) };
    });
    const routed = items.filter(
      (item) => item.lane === 'event' && item.message.startsWith('event ') && item.fields.eventId,
    );
    await Promise.all(
      routed.map(async (item) => {
        item.outcome = await host
          .admin('GET', `/events/${encodeURIComponent(item.fields.eventId)}`)
          .catch(() => undefined);
      }),
    );
    for (const entry of history) {
      items.push({
        time: entry.occurredAt,
        lane: 'history',
        source: 'history',
        message: entry.type,
        fields: { eventId: entry.eventId },
        retry: false,
      });
    }
    items.sort((a, b) => a.time.localeCompare(b.time));
    if (current !== deliveryId) return;
    draw(items);
  }

  /** @param {Item[]} items */
  function draw(items) {
    const start = items.length > 0 ? Date.parse(items[0]?.time ?? '') : 0;
    const end = items.length > 0 ? Date.parse(items.at(-1)?.time ?? '') : 0;
    const span = Math.max(end - start, 1);
    const counts = LANES.map((lane) => {
      const inLane = items.filter((item) => item.lane === lane.id);
      const retries = inLane.filter((item) => item.retry).length;
      return `${lane.counted} ${inLane.length}${retries ? ` (${retries} retried or failed)` : ''}`;
    });
    summary.textContent =
      items.length === 0
        ? 'Nothing mentions this delivery yet.'
        : `${items.length} steps over ${((end - start) / 1000).toFixed(1)} s: ${counts.join(', ')}.`;
    fill(
      strip,
      LANES.map((lane, index) => [
        svg('text', { x: 4, y: 16 + index * 21, class: 'lane-label' }, lane.label),
        svg('line', { x1: 110, x2: 796, y1: 12 + index * 21, y2: 12 + index * 21, class: 'lane' }),
      ]),
      items.map((item) => {
        const index = LANES.findIndex((lane) => lane.id === item.lane);
        const x = 110 + ((Date.parse(item.time) - start) / span) * 680;
        return svg('circle', {
          cx: x.toFixed(1),
          cy: 12 + index * 21,
          r: item.retry ? 6 : 4,
          class: `dot ${item.lane}${item.retry ? ' retry' : ''}`,
        });
      }),
    );
    fill(
      list,
      items.map((item) =>
        h(
          'li',
          { 'data-lane': item.lane, class: item.retry ? 'retry' : '' },
          h('span', { class: 'offset' }, `+${((Date.parse(item.time) - start) / 1000).toFixed(2)} s`),
          h(
            'span',
            { class: `lane-tag ${item.lane}` },
            LANES.find((lane) => lane.id === item.lane)?.label ?? item.lane,
          ),
          item.retry ? h('span', { class: 'tag' }, 'retry') : null,
          h('span', { class: 'source' }, item.source),
          h('span', { class: 'message' }, item.message),
          Object.keys(item.fields).length > 0
            ? h(
                'span',
                { class: 'fields' },
                Object.entries(item.fields)
                  .map(([name, value]) => `${name}=${value}`)
                  .join(' '),
              )
            : null,
          item.outcome ? outcomeOf(item.outcome) : null,
        ),
      ),
    );
  }

  /** @param {any} outcome */
  function outcomeOf(outcome) {
    return h(
      'div',
      { class: 'event-outcome' },
      h(
        'div',
        {},
        `Rules matched: ${outcome.matchedRules.length ? outcome.matchedRules.join(', ') : 'none'} `,
        h(
          'button',
          { type: 'button', class: 'small', onclick: () => void host.showEvent(outcome.eventId) },
          'Show in event flow',
          h('span', { class: 'visually-hidden' }, ` (${outcome.detailType} ${outcome.eventId})`),
        ),
      ),
      h(
        'ul',
        {},
        outcome.targets.map((/** @type {any} */ target) =>
          h(
            'li',
            {
              'data-status':
                target.status === 'delivered' && target.consumer?.status !== 'dead-lettered' ? 'ok' : 'bad',
            },
            `${target.ruleName}: ${target.status}${target.retries ? ` after ${target.retries} retries` : ''}`,
            target.consumer
              ? `; consumer ${target.consumer.functionNames.join(', ')} ${target.consumer.status}${
                  target.consumer.failures ? ` after ${target.consumer.failures} failed attempts` : ''
                }`
              : '',
          ),
        ),
      ),
    );
  }

  // The timeline follows its delivery: it is read again (at most every two seconds; a trace reads
  // every log) when an event of the delivery is routed or a consumer has handled one, so what is
  // recorded after it was opened shows too. The drone's position reports alone change nothing here.
  const again = host.ui.throttle(() => current && void show(current, false).catch(() => {}), 2_000);
  host.stream.on('event', (/** @type {any} */ event) => {
    if (current && event.source === 'drone-delivery.deliveries' && event.detail?.deliveryId === current)
      again();
  });
  host.stream.on('consumer', (/** @type {any} */ record) => {
    const delivery = current ? model.deliveries.get(current) : undefined;
    if (delivery && record.eventId && delivery.eventIds.includes(record.eventId)) again();
  });

  return { show };
}

// The generic event-pattern engine against hard-coded routing: for one event, evaluate the app's three
// rules, once with `matchesPattern` on the compiled patterns, once with hand-written checks of
// `source` and `detail-type`. Events rotate through every catalog type and four that no rule matches.
import { deepStrictEqual } from 'node:assert/strict';
import { DELIVERY_EVENT_TYPES, DRONE_EVENT_TYPES, SOURCES } from '../events/catalog.ts';
import { compilePattern, matchesPattern } from '../infra/local/eventbridge/index.ts';
import type { BenchmarkDefinition } from './harness.ts';
import { APP_RULES, catalogEvents, type Envelope, unmatchedEvents } from './support.ts';

const DRONE_TYPES: ReadonlySet<string> = new Set(DRONE_EVENT_TYPES);
const DELIVERY_TYPES: ReadonlySet<string> = new Set(DELIVERY_EVENT_TYPES);

function isDroneEvent(event: Envelope): boolean {
  return event.source === SOURCES.drones && DRONE_TYPES.has(event['detail-type']);
}

function isDeliveryEvent(event: Envelope): boolean {
  return event.source === SOURCES.deliveries && DELIVERY_TYPES.has(event['detail-type']);
}

export const patternMatching: BenchmarkDefinition = {
  name: 'pattern-matching',
  description:
    "matchesPattern of the app's 3 compiled rule patterns against one event (8 matching types, 4 non-matching, rotating) vs hand-written source/detail-type checks",
  mode: 'sync',
  async prepare() {
    const compiled = APP_RULES.map((rule) => compilePattern(rule.pattern));
    const [droneRule, historyRule, notificationsRule] = compiled;
    if (!droneRule || !historyRule || !notificationsRule) throw new Error('expected three app rules');
    const events = [...catalogEvents(), ...unmatchedEvents()];
    const count = events.length;

    // Both sides return a bit mask of the rules that match, so verify() can compare them.
    const viaEngine = (event: Envelope): number =>
      (matchesPattern(droneRule, event) ? 1 : 0) |
      (matchesPattern(historyRule, event) ? 2 : 0) |
      (matchesPattern(notificationsRule, event) ? 4 : 0);
    const byHand = (event: Envelope): number =>
      (isDroneEvent(event) ? 1 : 0) | (isDeliveryEvent(event) ? 2 : 0) | (isDeliveryEvent(event) ? 4 : 0);

    let subjectIndex = 0;
    let baselineIndex = 0;
    return {
      subject: {
        label: 'matchesPattern × 3 rules',
        run: () => viaEngine(events[subjectIndex++ % count]!),
      },
      baseline: {
        label: 'hand-written checks × 3 rules',
        run: () => byHand(events[baselineIndex++ % count]!),
      },
      async verify() {
        deepStrictEqual(events.map(viaEngine), events.map(byHand), 'engine and hand-written checks disagree');
        const matching = events.filter((event) => viaEngine(event) !== 0).length;
        if (matching !== 8) throw new Error(`expected 8 matching events, got ${matching}`);
      },
      async dispose() {},
    };
  },
};

// What the benchmarks share: the catalog's fixture events and the app's three rule patterns, built
// from the catalog's constants as the services' rules are (infra/services/{delivery,history,notifications}.ts).
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import {
  ALL_DETAIL_TYPES,
  DELIVERY_EVENT_TYPES,
  type DetailType,
  DRONE_EVENT_TYPES,
  SOURCES,
} from '../events/catalog.ts';
import type { LocalLogger } from '../infra/local/model.ts';

/** An EventBridge envelope as a consumer's rule sees it. */
export interface Envelope {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface AppRule {
  name: string;
  pattern: { source: string[]; 'detail-type': string[] };
}

/** The app's rules on its bus: delivery hears drones, history and notifications hear deliveries. */
export const APP_RULES: readonly AppRule[] = [
  {
    name: 'delivery-drone-events',
    pattern: { source: [SOURCES.drones], 'detail-type': [...DRONE_EVENT_TYPES] },
  },
  {
    name: 'history-delivery-events',
    pattern: { source: [SOURCES.deliveries], 'detail-type': [...DELIVERY_EVENT_TYPES] },
  },
  {
    name: 'notifications-delivery-events',
    pattern: { source: [SOURCES.deliveries], 'detail-type': [...DELIVERY_EVENT_TYPES] },
  },
];

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.source === 'string' &&
    typeof record['detail-type'] === 'string' &&
    typeof record.detail === 'object' &&
    record.detail !== null
  );
}

/** The catalog's fixture envelope of a detail-type (events/fixtures/<type>.json). */
export function fixtureEvent(detailType: DetailType): Envelope {
  const url = new URL(`../events/fixtures/${detailType}.json`, import.meta.url);
  const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
  if (!isEnvelope(parsed)) throw new Error(`${url.pathname} is not a single event envelope`);
  return parsed;
}

/** One fixture envelope per detail-type of the catalog: every one is matched by at least one app rule. */
export function catalogEvents(): Envelope[] {
  return ALL_DETAIL_TYPES.map(fixtureEvent);
}

/**
 * Realistic events no app rule matches: an unknown detail-type of a known source, a known detail-type
 * under the wrong source, another application's event and a detail-type in the wrong case.
 */
export function unmatchedEvents(): Envelope[] {
  const drone = fixtureEvent('DronePositionChanged');
  const delivery = fixtureEvent('DeliveryCreated');
  return [
    { ...drone, 'detail-type': 'DroneRegistered' },
    { ...drone, source: SOURCES.deliveries },
    { ...delivery, source: 'acme.orders', 'detail-type': 'OrderPlaced' },
    { ...delivery, 'detail-type': 'deliverycreated' },
  ];
}

/** A logger that stays silent but remembers problems, so a benchmark can refuse a run that had any. */
export class QuietLog implements LocalLogger {
  problems: string[] = [];
  info(): void {}
  warn(message: string, fields?: Record<string, unknown>): void {
    this.problems.push(`warn: ${message} ${JSON.stringify(fields ?? {})}`);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.problems.push(`error: ${message} ${JSON.stringify(fields ?? {})}`);
  }
  assertClean(what: string): void {
    if (this.problems.length > 0) throw new Error(`${what} logged problems:\n${this.problems.join('\n')}`);
  }
}

/** A stream that accepts and drops everything (the function output the host would echo). */
export function discardingStream(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

// PutEvents: the request's limits and permissions, each entry's checks, and the envelope AWS builds from it.
import { randomUUID } from 'node:crypto';
import type { Journal } from '../durability/journal.ts';
import type { Meter } from '../metering/meter.ts';
import type { CallerIdentity } from '../model.ts';
import { authorize } from './authorize.ts';
import { EventBridgeApiError } from './errors.ts';
import type { Registry } from './registry.ts';
import type {
  BusInfo,
  EventEnvelope,
  PutEventsRequestEntry,
  PutEventsResult,
  PutEventsResultEntry,
} from './types.ts';
import { isRecord, optionalString } from './values.ts';

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

export interface PutEventsContext {
  registry: Registry;
  /** The pending deliveries journal, committed before the answer. */
  journal: Journal;
  now: () => Date;
  /** Archives and routes an accepted event. */
  accept(event: EventEnvelope, bus: BusInfo): void;
  /** Counts an accepted entry for the bill, by its size (metering/). */
  meter?: Pick<Meter, 'eventPut'>;
}

/** Accepts PutEvents entries as the API does: limits, per-entry errors, routing, archiving. */
export async function putEvents(
  context: PutEventsContext,
  entries: unknown,
  caller: CallerIdentity,
): Promise<PutEventsResult> {
  if (!Array.isArray(entries)) {
    throw new EventBridgeApiError(
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    throw new EventBridgeApiError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${
        entries.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 10'
      }`,
    );
  }
  const totalSize = entries.reduce<number>((sum, entry) => sum + entrySize(entry), 0);
  if (totalSize > MAX_REQUEST_BYTES) {
    throw new EventBridgeApiError(
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }
  for (const entry of entries) {
    const busName = isRecord(entry) ? optionalString(entry.EventBusName) : undefined;
    authorize(caller, 'PutEvents', context.registry.busArnFor(busName));
  }
  const results = entries.map((entry) => acceptEntry(context, entry));
  try {
    await context.journal.commit();
  } catch (error) {
    throw new EventBridgeApiError(
      'InternalException',
      `The local EventBridge could not save the events: ${(error as Error).message}`,
      500,
    );
  }
  return {
    FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
    Entries: results,
  };
}

function acceptEntry(context: PutEventsContext, entry: unknown): PutEventsResultEntry {
  if (!isRecord(entry)) return invalid('Entry', 'Entry must be an object.');
  const { Source, DetailType, Detail, Resources, Time, EventBusName } = entry as PutEventsRequestEntry;
  if (typeof Source !== 'string' || Source === '') return invalid('Source', 'Source is a required argument.');
  if (typeof DetailType !== 'string' || DetailType === '') {
    return invalid('DetailType', 'DetailType is a required argument.');
  }
  if (typeof Detail !== 'string' || Detail === '') return invalid('Detail', 'Detail is a required argument.');
  let detail: unknown;
  try {
    detail = JSON.parse(Detail);
  } catch {
    detail = undefined;
  }
  if (!isRecord(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  if (
    Resources !== undefined &&
    !(Array.isArray(Resources) && Resources.every((r) => typeof r === 'string'))
  ) {
    return invalid('Resources', 'Resources must be a list of strings.');
  }
  const time = Time === undefined ? context.now() : parseTime(Time);
  if (!time) return invalid('Time', 'Time must be a valid timestamp.');
  // Only AWS services may publish with an "aws." source.
  if (Source.startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  const busName = optionalString(EventBusName);
  const bus = context.registry.findBus(busName);
  if (!bus) {
    return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
  }
  const event: EventEnvelope = {
    version: '0',
    id: randomUUID(),
    'detail-type': DetailType,
    source: Source,
    account: context.registry.accountId,
    time: eventTime(time),
    region: context.registry.region,
    resources: (Resources as string[] | undefined) ?? [],
    detail,
  };
  context.accept(event, bus);
  context.meter?.eventPut(bus.name, entrySize(entry));
  return { EventId: event.id };
}

function invalid(parameter: string, reason: string): PutEventsResultEntry {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}`,
  };
}

/** An entry's size as AWS counts it against the 256 KB request limit. */
export function entrySize(entry: unknown): number {
  if (!isRecord(entry)) return 0;
  let size = entry.Time !== undefined ? 14 : 0;
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value = entry[field];
    if (typeof value === 'string') size += Buffer.byteLength(value);
  }
  if (Array.isArray(entry.Resources)) {
    for (const resource of entry.Resources)
      if (typeof resource === 'string') size += Buffer.byteLength(resource);
  }
  return size;
}

/** Timestamps arrive as epoch seconds (the SDKs' JSON protocol), as ISO text, or as a Date. */
export function parseTime(value: unknown): Date | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = value;
  else if (typeof value === 'number') date = new Date(value * 1000);
  else if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) date = new Date(Number(value) * 1000);
  else if (typeof value === 'string') date = new Date(value);
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** Formats a time as AWS writes an event's `time`: ISO 8601 to the second, `Z`. */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

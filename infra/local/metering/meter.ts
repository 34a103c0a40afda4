// The local cloud's meter: counts, per service and resource, what AWS bills for the calls the local
// cloud serves. The parts report to it (the edge, the Lambda host, the bus, the HTTP APIs); the admin
// API shows and zeroes it; cost.ts prices it. It holds counters only: recording is a few additions.
import type { ResolvedStack } from '../model.ts';
import type { TableUnits } from './capacity.ts';
import {
  billedDurationMs,
  chunks,
  EVENTS_CHUNK_BYTES,
  gbSeconds,
  HTTP_API_CHUNK_BYTES,
  SQS_CHUNK_BYTES,
} from './units.ts';

export type Architecture = 'arm64' | 'x86_64';

/** One function's invocations. */
export interface FunctionMeter {
  architecture: Architecture;
  memoryMb: number;
  requests: number;
  /** Billed milliseconds, init phases included. */
  billedMs: number;
  /** The part of `billedMs` spent in init phases (cold starts). */
  initMs: number;
  coldStarts: number;
  gbSeconds: number;
}

/** One table's consumed capacity. */
export interface TableMeter {
  calls: number;
  readUnits: number;
  writeUnits: number;
  /** Calls whose units were computed from item sizes rather than reported by the database. */
  estimatedCalls: number;
}

/** One bus's PutEvents entries. */
export interface BusMeter {
  entries: number;
  /** Billed events: each started 64 KB of an entry counts one. */
  events: number;
  bytes: number;
}

/** One queue's API calls. */
export interface QueueMeter {
  fifo: boolean;
  calls: number;
  /** Billed requests: each started 64 KB of a call's payload counts one. */
  requests: number;
  /** Receives that returned no message (polling an idle queue). */
  emptyReceives: number;
  actions: Record<string, number>;
}

/** One HTTP API's requests. */
export interface ApiMeter {
  logicalId: string;
  calls: number;
  /** Billed requests: each started 512 KB of a request counts one. */
  requests: number;
  /** Answers by route key (`POST /v1/items`, `(no route)`) and status code. */
  routes: Record<string, Record<string, number>>;
}

/** One log group's ingestion. */
export interface LogMeter {
  /** UTF-8 bytes of the log events' messages. */
  bytes: number;
  events: number;
}

/** What the meter counted since `since`, by service and resource name. */
export interface Meters {
  since: string;
  lambda: Record<string, FunctionMeter>;
  dynamodb: Record<string, TableMeter>;
  eventbridge: Record<string, BusMeter>;
  sqs: Record<string, QueueMeter>;
  apigateway: Record<string, ApiMeter>;
  logs: Record<string, LogMeter>;
}

/** The meter the local cloud's parts report to. */
export interface Meter {
  /** A finished invocation of a function; `initDurationMs` is its cold start's init phase, else 0. */
  invocation(fn: { name: string; memoryMb: number }, durationMs: number, initDurationMs: number): void;
  /** Lines a function wrote to its log. */
  logWritten(functionName: string, bytes: number, events: number): void;
  /** Units one call consumed on a table. */
  capacity(table: string, units: TableUnits, options?: { estimated?: boolean }): void;
  /** One PutEvents entry accepted on a bus. */
  eventPut(bus: string, entryBytes: number): void;
  /** One SQS call; `queue` is the queue's name (undefined for account-wide actions). */
  sqsCall(queue: string | undefined, action: string, payloadBytes: number, emptyReceive?: boolean): void;
  /** One request an HTTP API answered. */
  apiRequest(
    api: { apiId: string; logicalId: string },
    routeKey: string,
    status: number,
    bytes: number,
  ): void;
  /** A copy of the counters. */
  snapshot(): Meters;
  /** Zeroes every counter. */
  reset(): void;
}

/** Where SQS calls that name no queue (ListQueues, …) are counted. */
export const NO_QUEUE = '(no queue)';

function emptyMeters(since: Date): Meters {
  return {
    since: since.toISOString(),
    lambda: {},
    dynamodb: {},
    eventbridge: {},
    sqs: {},
    apigateway: {},
    logs: {},
  };
}

/** Each function's architecture as the template sets it (Lambda's default is x86_64). */
export function architecturesOf(stack: ResolvedStack | undefined): Map<string, Architecture> {
  const architectures = new Map<string, Architecture>();
  for (const resource of stack?.resources.values() ?? []) {
    if (resource.type !== 'AWS::Lambda::Function') continue;
    const declared = resource.properties.Architectures;
    const first = Array.isArray(declared) ? declared[0] : undefined;
    architectures.set(resource.physicalName, first === 'arm64' ? 'arm64' : 'x86_64');
  }
  return architectures;
}

/** Creates a meter for a stack's resources, counting from now. */
export function createMeter(options: { stack?: ResolvedStack; now?: () => Date } = {}): Meter {
  const now = options.now ?? (() => new Date());
  const architectures = architecturesOf(options.stack);
  let meters = emptyMeters(now());

  const entry = <T>(record: Record<string, T>, key: string, create: () => T): T => {
    let value = record[key];
    if (value === undefined) {
      value = create();
      record[key] = value;
    }
    return value;
  };

  return {
    invocation(fn, durationMs, initDurationMs) {
      const meter = entry(meters.lambda, fn.name, () => ({
        architecture: architectures.get(fn.name) ?? 'x86_64',
        memoryMb: fn.memoryMb,
        requests: 0,
        billedMs: 0,
        initMs: 0,
        coldStarts: 0,
        gbSeconds: 0,
      }));
      const billed = billedDurationMs(durationMs, initDurationMs);
      meter.requests += 1;
      meter.billedMs += billed;
      if (initDurationMs > 0) {
        meter.coldStarts += 1;
        meter.initMs += initDurationMs;
      }
      meter.gbSeconds += gbSeconds(billed, fn.memoryMb);
    },
    logWritten(functionName, bytes, events) {
      const meter = entry(meters.logs, `/aws/lambda/${functionName}`, () => ({ bytes: 0, events: 0 }));
      meter.bytes += bytes;
      meter.events += events;
    },
    capacity(table, units, capacityOptions = {}) {
      const meter = entry(meters.dynamodb, table, () => ({
        calls: 0,
        readUnits: 0,
        writeUnits: 0,
        estimatedCalls: 0,
      }));
      meter.calls += 1;
      meter.readUnits += units.readUnits;
      meter.writeUnits += units.writeUnits;
      if (capacityOptions.estimated) meter.estimatedCalls += 1;
    },
    eventPut(bus, entryBytes) {
      const meter = entry(meters.eventbridge, bus, () => ({ entries: 0, events: 0, bytes: 0 }));
      meter.entries += 1;
      meter.events += chunks(entryBytes, EVENTS_CHUNK_BYTES);
      meter.bytes += entryBytes;
    },
    sqsCall(queue, action, payloadBytes, emptyReceive = false) {
      const name = queue ?? NO_QUEUE;
      const meter = entry<QueueMeter>(meters.sqs, name, () => ({
        fifo: name.endsWith('.fifo'),
        calls: 0,
        requests: 0,
        emptyReceives: 0,
        actions: {},
      }));
      meter.calls += 1;
      meter.requests += chunks(payloadBytes, SQS_CHUNK_BYTES);
      meter.actions[action] = (meter.actions[action] ?? 0) + 1;
      if (emptyReceive) meter.emptyReceives += 1;
    },
    apiRequest(api, routeKey, status, bytes) {
      const meter = entry<ApiMeter>(meters.apigateway, api.apiId, () => ({
        logicalId: api.logicalId,
        calls: 0,
        requests: 0,
        routes: {},
      }));
      meter.calls += 1;
      meter.requests += chunks(bytes, HTTP_API_CHUNK_BYTES);
      const statuses = entry<Record<string, number>>(meter.routes, routeKey, () => ({}));
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
    },
    snapshot: () => structuredClone(meters),
    reset() {
      meters = emptyMeters(now());
    },
  };
}

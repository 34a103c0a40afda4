// The local-only control plane, mounted by the edge under `/_local/`: fault injection, event outcomes,
// replay of EventBridge envelopes, dead-letter queues and the trace view, for the tester's CLIs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson, splitTarget } from '../edge/http.ts';
import type { PutEventsRequestEntry, PutEventsResult } from '../eventbridge/index.ts';
import type { FunctionFault } from '../lambda/host.ts';
import type { LocalLogger } from '../model.ts';
import { DeadLetterError, type DeadLetterTools } from './dlq.ts';
import { FaultSettingsError, parseFault, parseFaultSettings, unmatchedFaults } from './faults.ts';
import type { DeliveryObserver } from './observer.ts';
import { type AdminRoutes, segmentsOf } from './routes.ts';
import { buildTrace, type TraceHop } from './trace.ts';

/** Where the admin API is mounted on the edge. */
export const ADMIN_PREFIX = '/_local';

export interface AdminRequest {
  method: string;
  /** The path below `/_local`, e.g. `/faults`. */
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

export interface AdminApiOptions {
  events: {
    putEvents(entries: PutEventsRequestEntry[]): Promise<PutEventsResult>;
    buses(): { name: string }[];
  };
  lambda: {
    getFaults(): FunctionFault[];
    setFaults(faults: FunctionFault[]): void;
    functions(): { logicalId: string; name: string }[];
  };
  eventSourceMappings: { setDuplicateRate(rate: number): void; duplicateRate(): number };
  observer: DeliveryObserver;
  deadLetters: DeadLetterTools;
  /** Folder of the functions' logs. */
  logDir: string;
  log: LocalLogger;
  /** Routes of other modules, tried before the built-in ones. */
  routes?: AdminRoutes[];
  /** More hops of a trace's correlation ids, seen by other parts than the logs and the bus. */
  traceHops?: (ids: ReadonlySet<string>) => TraceHop[];
}

/** The control plane: `route` answers a parsed request, `handle` an HTTP exchange (for the edge). */
export interface AdminApi {
  route(request: AdminRequest): Promise<AdminResponse>;
  handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void>;
}

/** One envelope of `POST /_local/replay` after the checks every EventBridge envelope must pass. */
interface Envelope {
  id?: string;
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
  time?: string;
  resources?: string[];
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_WAIT_MS = 280_000;

const ROUTES = [
  'GET    /_local/faults                      function faults and the SQS duplicate-delivery rate',
  'PUT    /_local/faults                      replace: [fault...] or {functions?, sqsDuplicateRate?}',
  'POST   /_local/faults                      add one fault {function, errorRate?, latencyMs?}',
  'DELETE /_local/faults                      clear every fault and the duplicate rate',
  'GET    /_local/events/<eventId>[?replay=]  what became of an event',
  'POST   /_local/replay                      {envelopes, bus?}: put envelopes on a bus, in order',
  'POST   /_local/outcomes                    {eventIds | replayName, timeoutMs?}: wait for outcomes',
  'GET    /_local/dlqs                        dead-letter queues with their depth',
  'GET    /_local/dlqs/<queue>/messages       a DLQ’s messages with the failure reason (?limit=)',
  'POST   /_local/dlqs/<queue>/redrive        {to?}: move the messages back to their source',
  'GET    /_local/trace?value=&key=           every hop of a value, by correlation key',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that a value is an EventBridge envelope that can be put again; the reason when it is not. */
export function envelopeProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object';
  if (typeof value.source !== 'string' || value.source === '') return 'source is missing';
  if (typeof value['detail-type'] !== 'string' || value['detail-type'] === '')
    return 'detail-type is missing';
  if (!isRecord(value.detail)) return 'detail is not an object';
  if (value.time !== undefined && (typeof value.time !== 'string' || Number.isNaN(Date.parse(value.time)))) {
    return 'time is not an ISO 8601 time';
  }
  if (
    value.resources !== undefined &&
    !(Array.isArray(value.resources) && value.resources.every((r) => typeof r === 'string'))
  ) {
    return 'resources is not a list of strings';
  }
  return undefined;
}

function timeoutOf(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RequestError(400, 'timeoutMs must be a number of milliseconds');
  }
  return Math.min(value, MAX_WAIT_MS);
}

/** Builds the admin API over the local cloud's parts. */
export function createAdminApi(options: AdminApiOptions): AdminApi {
  const { lambda, eventSourceMappings, observer, deadLetters } = options;

  function faultState() {
    return { functions: lambda.getFaults(), sqsDuplicateRate: eventSourceMappings.duplicateRate() };
  }

  function applyFunctionFaults(faults: FunctionFault[]): void {
    const unmatched = unmatchedFaults(faults, lambda.functions());
    if (unmatched.length > 0) {
      throw new RequestError(
        400,
        `no function matches ${unmatched.map((fault) => `"${fault.function}"`).join(', ')} (by logical id or part of its name)`,
      );
    }
    lambda.setFaults(faults);
  }

  function defaultBus(): string {
    const custom = options.events.buses().filter((bus) => bus.name !== 'default');
    return custom.length === 1 && custom[0] ? custom[0].name : 'default';
  }

  async function replay(body: unknown): Promise<AdminResponse> {
    if (!isRecord(body) || !Array.isArray(body.envelopes)) {
      throw new RequestError(400, 'expected {"envelopes": [...], "bus"?: "<name>"}');
    }
    if (body.bus !== undefined && typeof body.bus !== 'string')
      throw new RequestError(400, 'bus must be a name');
    const envelopes = body.envelopes as unknown[];
    // Every envelope is checked before the first is sent: a bad one sends nothing.
    for (const [index, envelope] of envelopes.entries()) {
      const problem = envelopeProblem(envelope);
      if (problem) throw new RequestError(400, `envelope ${index}: ${problem}`);
    }
    const bus = (body.bus as string | undefined) ?? defaultBus();
    const events = [];
    for (const [index, value] of envelopes.entries()) {
      const envelope = value as Envelope;
      const entry: PutEventsRequestEntry = {
        EventBusName: bus,
        Source: envelope.source,
        DetailType: envelope['detail-type'],
        Detail: JSON.stringify(envelope.detail),
        ...(envelope.time !== undefined ? { Time: envelope.time } : {}),
        ...(envelope.resources !== undefined ? { Resources: envelope.resources } : {}),
      };
      // One entry per call keeps the order the envelopes came in.
      const result = await options.events.putEvents([entry]);
      const answer = result.Entries[0];
      events.push({
        index,
        ...(envelope.id !== undefined ? { originalId: envelope.id } : {}),
        source: envelope.source,
        detailType: envelope['detail-type'],
        ...(answer?.EventId ? { eventId: answer.EventId } : {}),
        ...(answer?.ErrorCode ? { error: `${answer.ErrorCode}: ${answer.ErrorMessage ?? ''}` } : {}),
      });
    }
    return { status: 200, body: { bus, events } };
  }

  async function outcomes(body: unknown): Promise<AdminResponse> {
    if (!isRecord(body)) throw new RequestError(400, 'expected {"eventIds": [...]} or {"replayName": "..."}');
    const replayName = body.replayName;
    if (replayName !== undefined && typeof replayName !== 'string') {
      throw new RequestError(400, 'replayName must be a string');
    }
    let eventIds: string[];
    if (body.eventIds !== undefined) {
      if (!Array.isArray(body.eventIds) || !body.eventIds.every((id) => typeof id === 'string')) {
        throw new RequestError(400, 'eventIds must be a list of event ids');
      }
      eventIds = body.eventIds;
    } else if (replayName !== undefined) {
      eventIds = observer.replayedEventIds(replayName);
    } else {
      throw new RequestError(400, 'expected {"eventIds": [...]} or {"replayName": "..."}');
    }
    const result = await observer.waitFor(eventIds, {
      timeoutMs: timeoutOf(body.timeoutMs),
      ...(replayName !== undefined ? { replayName } : {}),
    });
    return { status: 200, body: result };
  }

  async function faults(method: string, body: unknown): Promise<AdminResponse> {
    if (method === 'GET') return { status: 200, body: faultState() };
    if (method === 'DELETE') {
      lambda.setFaults([]);
      eventSourceMappings.setDuplicateRate(0);
      options.log.info('admin: faults cleared');
      return { status: 200, body: faultState() };
    }
    if (method === 'PUT') {
      const settings = parseFaultSettings(body);
      if (settings.functions) applyFunctionFaults(settings.functions);
      if (settings.sqsDuplicateRate !== undefined) {
        eventSourceMappings.setDuplicateRate(settings.sqsDuplicateRate);
        options.log.info('admin: SQS duplicate-delivery rate set', { rate: settings.sqsDuplicateRate });
      }
      return { status: 200, body: faultState() };
    }
    if (method === 'POST') {
      const fault = parseFault(body);
      // A new fault for the same function replaces the old one.
      applyFunctionFaults([...lambda.getFaults().filter((old) => old.function !== fault.function), fault]);
      return { status: 200, body: faultState() };
    }
    throw new RequestError(405, `${method} is not allowed on /_local/faults`);
  }

  async function route(request: AdminRequest): Promise<AdminResponse> {
    const { method, path, query, body } = request;
    const segments = segmentsOf(path);
    if (!segments) return { status: 400, body: { error: `the path ${path} is not valid percent-encoding` } };
    try {
      for (const more of options.routes ?? []) {
        const answer = await more.route(request);
        if (answer) return answer;
      }
      const [head, second, third] = segments;
      if (head === undefined && method === 'GET') {
        return {
          status: 200,
          body: { routes: [...ROUTES, ...(options.routes ?? []).flatMap((more) => more.lines)] },
        };
      }
      if (head === 'faults' && segments.length === 1) return await faults(method, body);
      if (head === 'events' && second !== undefined && segments.length === 2 && method === 'GET') {
        const replayName = query.get('replay') ?? undefined;
        const outcome = observer.outcome(second, replayName);
        if (!outcome) throw new RequestError(404, `the local bus has not seen event ${second}`);
        return { status: 200, body: outcome };
      }
      if (head === 'replay' && segments.length === 1 && method === 'POST') return await replay(body);
      if (head === 'outcomes' && segments.length === 1 && method === 'POST') return await outcomes(body);
      if (head === 'dlqs' && segments.length === 1 && method === 'GET') {
        return { status: 200, body: { queues: await deadLetters.list() } };
      }
      if (head === 'dlqs' && second !== undefined && third === 'messages' && method === 'GET') {
        const limitText = query.get('limit');
        const limit = limitText === null ? undefined : Number(limitText);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
          throw new RequestError(400, 'limit must be a positive whole number');
        }
        return { status: 200, body: await deadLetters.show(second, limit) };
      }
      if (head === 'dlqs' && second !== undefined && third === 'redrive' && method === 'POST') {
        const to = isRecord(body) && typeof body.to === 'string' ? body.to : undefined;
        const result = await deadLetters.redrive(second, to);
        options.log.info('admin: dead-letter queue redriven', result);
        return { status: 200, body: result };
      }
      if (head === 'trace' && segments.length === 1 && method === 'GET') {
        const value = query.get('value');
        const key = query.get('key');
        if (!value || !key) throw new RequestError(400, 'trace needs ?value=<text>&key=<correlation key>');
        const trace = await buildTrace(options.logDir, value, key, {
          reports: observer.reports(),
          consumed: observer.consumedRecords(),
          ...(options.traceHops ? { more: options.traceHops } : {}),
        });
        return { status: 200, body: trace };
      }
      throw new RequestError(
        404,
        `no admin route ${method} ${ADMIN_PREFIX}${path}; GET ${ADMIN_PREFIX}/ lists them`,
      );
    } catch (error) {
      if (error instanceof RequestError) return { status: error.status, body: { error: error.message } };
      if (error instanceof FaultSettingsError) return { status: 400, body: { error: error.message } };
      if (error instanceof DeadLetterError) return { status: error.status, body: { error: error.message } };
      options.log.error('admin request failed', { method, path, error: String(error) });
      return { status: 500, body: { error: error instanceof Error ? error.message : String(error) } };
    }
  }

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const method = (incoming.method ?? 'GET').toUpperCase();
    const { rawPath, rawQuery } = splitTarget(incoming.url);
    const raw = await readBody(incoming, MAX_BODY_BYTES);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        sendJson(outgoing, 400, { error: 'the request body is not JSON' });
        return;
      }
    }
    const path = rawPath.startsWith(ADMIN_PREFIX) ? rawPath.slice(ADMIN_PREFIX.length) : rawPath;
    const response = await route({ method, path, query: new URLSearchParams(rawQuery), body });
    sendJson(outgoing, response.status, response.body);
  }

  return { route, handle };
}

// The EventBridge JSON protocol (`X-Amz-Target: AWSEvents.<Operation>`): request parsing, permission
// checks, and answers in AWS's shapes (timestamps as epoch seconds, errors as `{__type, message}`).
import type { CallerIdentity, LocalLogger } from '../model.ts';
import {
  authorize,
  EventBridgeApiError,
  type LocalEventBridge,
  parseTime,
  type ReplayInfo,
  type RuleInfo,
} from './bus.ts';
import { InvalidEventPatternError, testEventPattern } from './pattern.ts';

export interface ApiResponse {
  status: number;
  body: unknown;
}

export type ApiHandler = (operation: string, body: unknown, caller: CallerIdentity) => Promise<ApiResponse>;

type Params = Record<string, unknown>;

// TestEventPattern's documented mandatory event fields.
const MANDATORY_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'resources', 'detail-type'];

function epochSeconds(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime() / 1000;
}

function str(params: Params, name: string, required: true): string;
function str(params: Params, name: string, required?: false): string | undefined;
function str(params: Params, name: string, required = false): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) {
    if (required) {
      throw new EventBridgeApiError(
        'ValidationException',
        `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new EventBridgeApiError('ValidationException', `Parameter ${name} must be a string.`);
  }
  return value;
}

function page<T>(items: T[], params: Params): { items: T[]; nextToken?: string } {
  const limit = typeof params.Limit === 'number' && params.Limit > 0 ? Math.min(params.Limit, 100) : 100;
  const start = typeof params.NextToken === 'string' ? Number.parseInt(params.NextToken, 10) || 0 : 0;
  const slice = items.slice(start, start + limit);
  const next = start + limit < items.length ? String(start + limit) : undefined;
  return next === undefined ? { items: slice } : { items: slice, nextToken: next };
}

function ruleView(rule: RuleInfo, accountId: string) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    ScheduleExpression: rule.scheduleExpression,
    State: rule.state,
    Description: rule.description,
    EventBusName: rule.eventBusName,
    CreatedBy: accountId,
  };
}

function replayView(replay: ReplayInfo) {
  return {
    ReplayName: replay.name,
    ReplayArn: replay.arn,
    Description: replay.description,
    EventSourceArn: replay.archiveArn,
    Destination: replay.destination,
    State: replay.state,
    StateReason: replay.stateReason,
    EventStartTime: epochSeconds(replay.eventStartTime),
    EventEndTime: epochSeconds(replay.eventEndTime),
    EventLastReplayedTime: epochSeconds(replay.eventLastReplayedTime),
    ReplayStartTime: epochSeconds(replay.replayStartTime),
    ReplayEndTime: epochSeconds(replay.replayEndTime),
  };
}

/** Builds the handler the edge endpoint calls for `AWSEvents.*` requests. */
export function createApiHandler(bridge: LocalEventBridge, log: LocalLogger): ApiHandler {
  const arnPrefix = `arn:aws:events:${bridge.region}:${bridge.accountId}`;

  const requireBus = (nameOrArn: string | undefined) => {
    const bus = bridge.findBus(nameOrArn);
    if (!bus)
      throw new EventBridgeApiError('ResourceNotFoundException', `Event bus ${nameOrArn} does not exist.`);
    return bus;
  };

  const requireRule = (name: string, busNameOrArn: string | undefined) => {
    const bus = requireBus(busNameOrArn);
    const rule = bridge.rules().find((r) => r.name === name && r.eventBusName === bus.name);
    if (!rule) {
      throw new EventBridgeApiError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${bus.name}.`,
      );
    }
    return rule;
  };

  const requireArchive = (name: string) => {
    const archive = bridge.archives().find((a) => a.name === name);
    if (!archive)
      throw new EventBridgeApiError('ResourceNotFoundException', `Archive ${name} does not exist.`);
    return archive;
  };

  const operations: Record<string, (params: Params, caller: CallerIdentity) => Promise<unknown> | unknown> = {
    PutEvents: (params, caller) => bridge.putEvents(params.Entries, caller),

    TestEventPattern: (params, caller) => {
      authorize(caller, 'TestEventPattern', '*');
      const pattern = str(params, 'EventPattern', true);
      const eventText = str(params, 'Event', true);
      let event: unknown;
      try {
        event = JSON.parse(eventText);
      } catch {
        throw new EventBridgeApiError(
          'ValidationException',
          'Parameter Event is not valid. Reason: Event is not valid JSON.',
        );
      }
      const missing = MANDATORY_EVENT_FIELDS.filter(
        (field) => typeof event !== 'object' || event === null || !(field in event),
      );
      if (missing.length > 0) {
        throw new EventBridgeApiError(
          'ValidationException',
          `Parameter Event is not valid. Reason: Provided Event is missing required field(s): ${missing.join(', ')}.`,
        );
      }
      return { Result: testEventPattern(pattern, event) };
    },

    ListRules: (params, caller) => {
      authorize(caller, 'ListRules', '*');
      const bus = requireBus(str(params, 'EventBusName'));
      const prefix = str(params, 'NamePrefix') ?? '';
      const rules = bridge
        .rules()
        .filter((rule) => rule.eventBusName === bus.name && rule.name.startsWith(prefix))
        .sort((a, b) => a.name.localeCompare(b.name));
      const { items, nextToken } = page(rules, params);
      return { Rules: items.map((rule) => ruleView(rule, bridge.accountId)), NextToken: nextToken };
    },

    DescribeRule: (params, caller) => {
      const rule = requireRule(str(params, 'Name', true), str(params, 'EventBusName'));
      authorize(caller, 'DescribeRule', rule.arn);
      return ruleView(rule, bridge.accountId);
    },

    ListTargetsByRule: (params, caller) => {
      const rule = requireRule(str(params, 'Rule', true), str(params, 'EventBusName'));
      authorize(caller, 'ListTargetsByRule', rule.arn);
      const { items, nextToken } = page(rule.targets, params);
      return { Targets: items, NextToken: nextToken };
    },

    DescribeEventBus: (params, caller) => {
      const bus = requireBus(str(params, 'Name'));
      authorize(caller, 'DescribeEventBus', bus.arn);
      return { Name: bus.name, Arn: bus.arn };
    },

    ListEventBuses: (params, caller) => {
      authorize(caller, 'ListEventBuses', '*');
      const prefix = str(params, 'NamePrefix') ?? '';
      const { items, nextToken } = page(
        bridge.buses().filter((bus) => bus.name.startsWith(prefix)),
        params,
      );
      return { EventBuses: items.map((bus) => ({ Name: bus.name, Arn: bus.arn })), NextToken: nextToken };
    },

    ListArchives: (params, caller) => {
      authorize(caller, 'ListArchives', '*');
      const prefix = str(params, 'NamePrefix') ?? '';
      const source = str(params, 'EventSourceArn');
      const state = str(params, 'State');
      const archives = bridge
        .archives()
        .filter((a) => a.name.startsWith(prefix) && (source === undefined || a.sourceArn === source))
        .filter(() => state === undefined || state === 'ENABLED');
      const { items, nextToken } = page(archives, params);
      return {
        Archives: items.map((a) => ({
          ArchiveName: a.name,
          EventSourceArn: a.sourceArn,
          State: 'ENABLED',
          RetentionDays: a.retentionDays,
          SizeBytes: a.sizeBytes,
          EventCount: a.eventCount,
          CreationTime: epochSeconds(a.creationTime),
        })),
        NextToken: nextToken,
      };
    },

    DescribeArchive: (params, caller) => {
      const archive = requireArchive(str(params, 'ArchiveName', true));
      authorize(caller, 'DescribeArchive', archive.arn);
      return {
        ArchiveArn: archive.arn,
        ArchiveName: archive.name,
        EventSourceArn: archive.sourceArn,
        Description: archive.description,
        EventPattern: archive.eventPattern,
        State: 'ENABLED',
        RetentionDays: archive.retentionDays,
        SizeBytes: archive.sizeBytes,
        EventCount: archive.eventCount,
        CreationTime: epochSeconds(archive.creationTime),
      };
    },

    StartReplay: (params, caller) => {
      const name = str(params, 'ReplayName', true);
      authorize(caller, 'StartReplay', `${arnPrefix}:replay/${name}`);
      const start = parseTime(params.EventStartTime);
      const end = parseTime(params.EventEndTime);
      if (!start || !end) {
        throw new EventBridgeApiError(
          'ValidationException',
          'EventStartTime and EventEndTime must be timestamps.',
        );
      }
      const destination = params.Destination;
      if (
        typeof destination !== 'object' ||
        destination === null ||
        typeof (destination as Params).Arn !== 'string'
      ) {
        throw new EventBridgeApiError('ValidationException', 'Parameter Destination.Arn is required.');
      }
      const filterArns = (destination as Params).FilterArns;
      const replay = bridge.startReplay({
        ReplayName: name,
        ...(typeof params.Description === 'string' ? { Description: params.Description } : {}),
        EventSourceArn: str(params, 'EventSourceArn', true),
        EventStartTime: start,
        EventEndTime: end,
        Destination: {
          Arn: (destination as Params).Arn as string,
          ...(Array.isArray(filterArns)
            ? { FilterArns: filterArns.filter((a) => typeof a === 'string') }
            : {}),
        },
      });
      return {
        ReplayArn: replay.arn,
        State: replay.state,
        StateReason: replay.stateReason,
        ReplayStartTime: epochSeconds(replay.replayStartTime),
      };
    },

    DescribeReplay: (params, caller) => {
      const name = str(params, 'ReplayName', true);
      authorize(caller, 'DescribeReplay', `${arnPrefix}:replay/${name}`);
      const replay = bridge.describeReplay(name);
      if (!replay)
        throw new EventBridgeApiError('ResourceNotFoundException', `Replay ${name} does not exist.`);
      return replayView(replay);
    },

    ListReplays: (params, caller) => {
      authorize(caller, 'ListReplays', '*');
      const prefix = str(params, 'NamePrefix') ?? '';
      const state = str(params, 'State');
      const source = str(params, 'EventSourceArn');
      const replays = bridge
        .listReplays()
        .filter(
          (r) =>
            r.name.startsWith(prefix) &&
            (state === undefined || r.state === state) &&
            (source === undefined || r.archiveArn === source),
        );
      const { items, nextToken } = page(replays, params);
      return {
        Replays: items.map((r) => {
          const { Description: _d, Destination: _dest, ReplayArn: _arn, ...summary } = replayView(r);
          return summary;
        }),
        NextToken: nextToken,
      };
    },
  };

  return async (operation, body, caller) => {
    const handler = Object.hasOwn(operations, operation) ? operations[operation] : undefined;
    if (!handler) {
      return {
        status: 400,
        body: { __type: 'UnknownOperationException', message: `Operation ${operation} is not supported.` },
      };
    }
    const params: Params =
      typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Params) : {};
    try {
      // JSON.stringify drops the undefined members, as AWS omits absent fields.
      const result = await handler(params, caller);
      return { status: 200, body: JSON.parse(JSON.stringify(result ?? {})) };
    } catch (error) {
      if (error instanceof EventBridgeApiError) {
        return { status: error.status, body: { __type: error.type, message: error.message } };
      }
      if (error instanceof InvalidEventPatternError) {
        return { status: 400, body: { __type: 'InvalidEventPatternException', message: error.message } };
      }
      log.error('eventbridge: unexpected error', { operation, error: String(error) });
      return { status: 500, body: { __type: 'InternalException', message: 'An internal error occurred.' } };
    }
  };
}

// The archive and replay operations of the API: ListArchives, DescribeArchive and the replay operations.
import { epochSeconds, type Operations, type Params, page, str } from './api-params.ts';
import { authorize } from './authorize.ts';
import type { LocalEventBridge } from './bus.ts';
import { EventBridgeApiError } from './errors.ts';
import { parseTime } from './put-events.ts';
import type { ReplayInfo } from './types.ts';

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

/** The archive and replay operations, answered by the bridge. */
export function archiveOperations(bridge: LocalEventBridge): Operations {
  const arnPrefix = `arn:aws:events:${bridge.region}:${bridge.accountId}`;

  const requireArchive = (name: string) => {
    const archive = bridge.archives().find((a) => a.name === name);
    if (!archive)
      throw new EventBridgeApiError('ResourceNotFoundException', `Archive ${name} does not exist.`);
    return archive;
  };

  return {
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
}

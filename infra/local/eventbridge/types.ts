// The shapes the local EventBridge shares across its modules and with tools: events, rules, replays, reports.

import type { TargetInputConfig } from './input.ts';
import type { CompiledPattern } from './pattern.ts';
import type { Schedule } from './schedule.ts';

export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  'replay-name'?: string;
  [key: string]: unknown;
}

export interface PutEventsRequestEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  Time?: unknown;
  EventBusName?: unknown;
  TraceHeader?: unknown;
}

export interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

export interface TargetConfig extends TargetInputConfig {
  Id: string;
  Arn: string;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  SqsParameters?: { MessageGroupId?: string };
  [key: string]: unknown;
}

export interface BusInfo {
  name: string;
  arn: string;
}

export interface RuleInfo {
  name: string;
  arn: string;
  eventBusName: string;
  state: 'ENABLED' | 'DISABLED';
  description?: string;
  /** The pattern as AWS returns it: JSON text. */
  eventPattern?: string;
  scheduleExpression?: string;
  targets: TargetConfig[];
}

/** A rule as the bus keeps it: its description plus the compiled pattern and parsed schedule. */
export interface Rule extends RuleInfo {
  pattern?: CompiledPattern;
  schedule?: Schedule;
}

export interface ArchiveInfo {
  name: string;
  arn: string;
  sourceArn: string;
  description?: string;
  eventPattern?: string;
  retentionDays: number;
  eventCount: number;
  sizeBytes: number;
  creationTime: Date;
}

export type ReplayStateName = 'STARTING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface ReplayInfo {
  name: string;
  arn: string;
  description?: string;
  archiveArn: string;
  destination: { Arn: string; FilterArns?: string[] };
  state: ReplayStateName;
  stateReason?: string;
  eventStartTime: Date;
  eventEndTime: Date;
  replayStartTime: Date;
  replayEndTime?: Date;
  eventLastReplayedTime?: Date;
}

export interface StartReplayInput {
  ReplayName: string;
  Description?: string;
  EventSourceArn: string;
  EventStartTime: Date;
  EventEndTime: Date;
  Destination: { Arn: string; FilterArns?: string[] };
}

export type TargetOutcome = 'delivered' | 'retrying' | 'dead-lettered' | 'dropped';

export interface TargetHistory {
  ruleName: string;
  ruleArn: string;
  targetId: string;
  targetArn: string;
  status: 'pending' | Exclude<TargetOutcome, 'retrying'>;
  attempts: number;
  /** Attempts after the first. */
  retries: number;
  deadLetterArn?: string;
  errorCode?: string;
  errorMessage?: string;
}

export interface EventHistory {
  eventId: string;
  eventBusName: string;
  receivedAt: string;
  replayName?: string;
  event: EventEnvelope;
  matchedRules: { name: string; arn: string }[];
  targets: TargetHistory[];
}

/** What `subscribe` listeners hear: the rules an event matched, then each target's progress and outcome. */
export type DeliveryReport =
  | {
      kind: 'matched';
      eventId: string;
      eventBusName: string;
      replayName?: string;
      event: EventEnvelope;
      matchedRules: { name: string; arn: string }[];
    }
  | {
      kind: 'target';
      eventId: string;
      outcome: TargetOutcome;
      ruleName: string;
      ruleArn: string;
      targetId: string;
      targetArn: string;
      retries: number;
      deadLetterArn?: string;
      errorCode?: string;
      errorMessage?: string;
    };

export type DeliveryListener = (report: DeliveryReport) => void;

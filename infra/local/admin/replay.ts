// Replaying EventBridge envelopes through a running local cloud: send them in order (optionally with
// their original spacing), wait for every rule target and queue consumer to finish, and report.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { envelopeProblem } from './api.ts';
import type { AdminClient } from './client.ts';
import type { EventOutcome, TargetOutcomeReport } from './observer.ts';
import { nameOfArn } from './topology.ts';

/** The envelopes of one fixture file, in file order. */
export interface EnvelopeFile {
  file: string;
  envelopes: unknown[];
}

/** A fixture that cannot be replayed: the path and the reason. */
export class EnvelopeFileError extends Error {
  override readonly name = 'EnvelopeFileError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readEnvelopeFile(file: string): EnvelopeFile {
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new EnvelopeFileError(`${file}: cannot read fixture: ${(error as Error).message}`);
  }
  const envelopes = Array.isArray(content) ? content : [content];
  for (const [index, envelope] of envelopes.entries()) {
    const problem = envelopeProblem(envelope);
    if (problem) throw new EnvelopeFileError(`${file} [${index}]: ${problem}`);
  }
  return { file, envelopes };
}

/**
 * Reads a fixture file (one envelope or a list) or every `*.json` file directly in a folder (sorted by
 * name), checking each is an EventBridge envelope; throws EnvelopeFileError with the path and reason.
 */
export function loadEnvelopeFiles(target: string): EnvelopeFile[] {
  const path = resolve(target);
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    throw new EnvelopeFileError(`${path}: no such file or folder`);
  }
  if (!isFolder) return [readEnvelopeFile(path)];
  const names = readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) => entry.name)
    .sort();
  if (names.length === 0) throw new EnvelopeFileError(`${path}: no *.json fixture in this folder`);
  return names.map((name) => readEnvelopeFile(join(path, name)));
}

export interface ReplayOptions {
  /** `none`: one after the other at once; `original`: the gaps between the envelopes' times. */
  spacing: 'none' | 'original';
  /** Divides the original gaps (10 = ten times faster). */
  speed: number;
  /** How long to wait for the outcomes after the last send. */
  timeoutMs: number;
  bus?: string;
  sleep?: (ms: number) => Promise<void>;
}

/** The delay before each envelope: 0 for the first, then the gap to the previous one's time / speed. */
export function delaysFor(envelopes: unknown[], spacing: 'none' | 'original', speed: number): number[] {
  let previous: number | undefined;
  return envelopes.map((envelope) => {
    const time =
      isRecord(envelope) && typeof envelope.time === 'string' ? Date.parse(envelope.time) : Number.NaN;
    if (spacing === 'none' || Number.isNaN(time)) return 0;
    const delay = previous === undefined ? 0 : Math.max(0, (time - previous) / speed);
    previous = time;
    return Math.round(delay);
  });
}

export interface ReplayedEvent {
  file: string;
  index: number;
  originalId?: string;
  source: string;
  detailType: string;
  eventId?: string;
  /** PutEvents refused the entry. */
  error?: string;
  outcome?: EventOutcome;
}

export interface ReplayReport {
  bus: string;
  /** Every event reached an end before the timeout. */
  settled: boolean;
  events: ReplayedEvent[];
}

interface SentAnswer {
  bus: string;
  events: {
    index: number;
    originalId?: string;
    source: string;
    detailType: string;
    eventId?: string;
    error?: string;
  }[];
}

interface OutcomesAnswer {
  settled: boolean;
  events: (EventOutcome | { eventId: string; unknown: true })[];
}

/** Sends the files' envelopes through the admin API in order, then waits for and collects their outcomes. */
export async function replayEnvelopes(
  client: AdminClient,
  files: EnvelopeFile[],
  options: ReplayOptions,
): Promise<ReplayReport> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  const items = files.flatMap((file) =>
    file.envelopes.map((envelope, index) => ({ file: file.file, index, envelope })),
  );
  const delays = delaysFor(
    items.map((item) => item.envelope),
    options.spacing,
    options.speed,
  );
  const sent: ReplayedEvent[] = [];
  let bus = options.bus ?? '';
  // Without spacing all go in one request (the admin API sends them one by one, in order).
  const groups =
    options.spacing === 'none'
      ? [items.map((item, position) => ({ item, position }))]
      : items.map((item, position) => [{ item, position }]);
  for (const group of groups) {
    const first = group[0];
    if (!first) continue;
    const delay = delays[first.position] ?? 0;
    if (delay > 0) await sleep(delay);
    const answer = await client.request<SentAnswer>('POST', '/replay', {
      envelopes: group.map(({ item }) => item.envelope),
      ...(options.bus !== undefined ? { bus: options.bus } : {}),
    });
    bus = answer.bus;
    for (const [offset, event] of answer.events.entries()) {
      const { item } = group[offset] ?? first;
      sent.push({
        file: item.file,
        index: item.index,
        ...(event.originalId !== undefined ? { originalId: event.originalId } : {}),
        source: event.source,
        detailType: event.detailType,
        ...(event.eventId !== undefined ? { eventId: event.eventId } : {}),
        ...(event.error !== undefined ? { error: event.error } : {}),
      });
    }
  }
  const eventIds = sent.flatMap((event) => (event.eventId ? [event.eventId] : []));
  const outcomes =
    eventIds.length === 0
      ? { settled: true, events: [] }
      : await client.request<OutcomesAnswer>('POST', '/outcomes', { eventIds, timeoutMs: options.timeoutMs });
  const byId = new Map<string, EventOutcome>();
  for (const outcome of outcomes.events) if ('settled' in outcome) byId.set(outcome.eventId, outcome);
  return {
    bus,
    settled: outcomes.settled,
    events: sent.map((event) => {
      const outcome = event.eventId ? byId.get(event.eventId) : undefined;
      return outcome ? { ...event, outcome } : event;
    }),
  };
}

/** Whether a replay failed: an event refused, dead-lettered or dropped anywhere, or not settled in time. */
export function replayFailed(report: {
  settled: boolean;
  events: { error?: string; outcome?: EventOutcome }[];
}): boolean {
  return (
    !report.settled ||
    report.events.some((event) => event.error !== undefined || !event.outcome || event.outcome.failed)
  );
}

function consumerText(target: TargetOutcomeReport): string {
  const consumer = target.consumer;
  if (!consumer) return '';
  const who = consumer.functionNames.join(', ');
  const failures = consumer.failures;
  const receives = consumer.maxReceiveCount !== undefined ? ` of ${consumer.maxReceiveCount}` : '';
  switch (consumer.status) {
    case 'pending':
      return `; consumer ${who}: not yet received`;
    case 'succeeded':
      return `; consumer ${who}: success${failures > 0 ? ` after ${failures} failed attempt${failures === 1 ? '' : 's'} (retried)` : ''}`;
    case 'retrying':
      return `; consumer ${who}: failed ${failures} time${failures === 1 ? '' : 's'}, will be retried (receive ${failures}${receives}): ${consumer.lastError ?? ''}`;
    case 'dead-lettered':
      return `; consumer ${who}: failed ${failures} times → dead-lettered to ${nameOfArn(consumer.deadLetterArn ?? '')}: ${consumer.lastError ?? ''}`;
  }
}

function targetText(target: TargetOutcomeReport): string {
  const where = nameOfArn(target.targetArn);
  const retried =
    target.retries > 0 ? ` after ${target.retries} retr${target.retries === 1 ? 'y' : 'ies'}` : '';
  switch (target.status) {
    case 'pending':
      return `${where}: delivery still under way${target.errorCode ? ` (${target.errorCode}: ${target.errorMessage ?? ''})` : ''}`;
    case 'delivered':
      return `${where}: delivered${retried}${consumerText(target)}`;
    case 'dead-lettered':
      return `${where}: dead-lettered to ${nameOfArn(target.deadLetterArn ?? '')}${retried} (${target.errorCode}: ${target.errorMessage ?? ''})`;
    case 'dropped':
      return `${where}: dropped${retried} (${target.errorCode}: ${target.errorMessage ?? ''})`;
  }
}

/** The human report: one block per event (rules matched, targets and consumers), then a summary. */
export function formatReplayReport(report: ReplayReport): string {
  const lines: string[] = [];
  const counts = { success: 0, retried: 0, deadLettered: 0, unsettled: 0, refused: 0 };
  for (const [position, event] of report.events.entries()) {
    const head = `[${position + 1}] ${event.detailType} (${event.source})${event.originalId ? ` fixture ${event.originalId}` : ''}`;
    if (event.error) {
      counts.refused += 1;
      lines.push(`${head}: REFUSED by PutEvents: ${event.error}`);
      continue;
    }
    const outcome = event.outcome;
    if (!outcome) {
      counts.unsettled += 1;
      lines.push(`${head} → event ${event.eventId}: no outcome known`);
      continue;
    }
    const rules =
      outcome.matchedRules.length > 0 ? `matched ${outcome.matchedRules.join(', ')}` : 'matched no rule';
    lines.push(`${head} → event ${outcome.eventId}: ${rules}`);
    for (const target of outcome.targets) {
      lines.push(`    ${target.ruleName} → ${targetText(target)}`);
      const consumer = target.consumer;
      if (
        target.status === 'dead-lettered' ||
        target.status === 'dropped' ||
        consumer?.status === 'dead-lettered'
      ) {
        counts.deadLettered += 1;
      } else if (
        target.status === 'pending' ||
        consumer?.status === 'pending' ||
        consumer?.status === 'retrying'
      ) {
        counts.unsettled += 1;
      } else if (target.retries > 0 || (consumer?.failures ?? 0) > 0) {
        counts.retried += 1;
      } else {
        counts.success += 1;
      }
    }
  }
  const deliveries = counts.success + counts.retried + counts.deadLettered + counts.unsettled;
  lines.push(
    `${report.events.length} event${report.events.length === 1 ? '' : 's'} on bus ${report.bus}, ${deliveries} deliveries: ` +
      `${counts.success} success, ${counts.retried} retried then success, ${counts.deadLettered} dead-lettered or dropped, ` +
      `${counts.unsettled} not finished${report.settled ? '' : ' (timed out waiting)'}${counts.refused > 0 ? `, ${counts.refused} refused` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

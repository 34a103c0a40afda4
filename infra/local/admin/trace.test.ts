import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastErrorsByMessageId, parseLogLine } from './logs.ts';
import { buildTrace, consumerHops, eventHops, formatHop } from './trace.ts';

const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 'INFO', service: 's', ...fields });

function logDir(files: Record<string, string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'trace-'));
  for (const [name, lines] of Object.entries(files))
    writeFileSync(join(dir, `${name}.log`), `${lines.join('\n')}\n`);
  return dir;
}

describe('parseLogLine', () => {
  it('reads the JSON and the timestamp of an application line', () => {
    const entry = parseLogLine('fn', 1, line({ message: 'hi', timestamp: '2026-01-01T10:00:00.000Z' }));

    expect(entry.json?.message).toBe('hi');
    expect(entry.time).toBe('2026-01-01T10:00:00.000Z');
  });

  it('reads the time the runtime put in front of a console line', () => {
    const entry = parseLogLine('fn', 1, '2026-01-01T10:00:00.000Z\treq\tINFO\tplain text');

    expect(entry.time).toBe('2026-01-01T10:00:00.000Z');
    expect(entry.json).toBeUndefined();
  });
});

describe('buildTrace', () => {
  it('follows the correlation id of the lines mentioning the value, in time order', async () => {
    const dir = logDir({
      api: [
        line({
          message: 'request accepted',
          timestamp: '2026-01-01T10:00:00.000Z',
          correlation_id: 'c-1',
          orderId: 'd-1',
        }),
      ],
      workflow: [
        line({
          message: 'step done',
          timestamp: '2026-01-01T10:00:02.000Z',
          correlation_id: 'c-1',
          step: 'assign',
        }),
        line({ message: 'unrelated', timestamp: '2026-01-01T10:00:01.000Z', correlation_id: 'c-2' }),
      ],
      history: [
        line({ message: 'event recorded', timestamp: '2026-01-01T10:00:01.000Z', correlation_id: 'c-1' }),
      ],
    });

    const trace = await buildTrace(dir, 'd-1', 'correlation_id');

    expect(trace.correlationIds).toEqual(['c-1']);
    expect(trace.hops.map((hop) => `${hop.source}: ${hop.message}`)).toEqual([
      'api: request accepted',
      'history: event recorded',
      'workflow: step done',
    ]);
    expect(trace.hops[2]?.fields).toEqual({ step: 'assign' });
  });

  it('finds nothing when no line mentions the value', async () => {
    const dir = logDir({
      api: [line({ message: 'x', timestamp: '2026-01-01T10:00:00.000Z', correlation_id: 'c-1' })],
    });

    const trace = await buildTrace(dir, 'd-404', 'correlation_id');

    expect(trace).toMatchObject({ correlationIds: [], hops: [] });
  });
});

describe('eventHops', () => {
  it('reports the rules matched and each target outcome of an event carrying the id', () => {
    const event = {
      version: '0' as const,
      id: 'e-1',
      'detail-type': 'Created',
      source: 'app',
      account: '0',
      time: '',
      region: '',
      resources: [],
      detail: { metadata: { correlationId: 'c-1' } },
    };

    const hops = eventHops(
      [
        {
          at: '2026-01-01T10:00:00.000Z',
          report: {
            kind: 'matched',
            eventId: 'e-1',
            eventBusName: 'bus',
            event,
            matchedRules: [{ name: 'r1', arn: 'a' }],
          },
        },
        {
          at: '2026-01-01T10:00:00.100Z',
          report: {
            kind: 'target',
            eventId: 'e-1',
            outcome: 'delivered',
            ruleName: 'r1',
            ruleArn: 'a',
            targetId: 'T',
            targetArn: 'arn:aws:sqs:us-east-1:0:q',
            retries: 0,
          },
        },
      ],
      new Set(['c-1']),
    );

    expect(hops.map((hop) => hop.message)).toEqual([
      'event Created (app) matched r1',
      'Created (app) → q: delivered',
    ]);
  });
});

describe('consumerHops', () => {
  it('reports a consumed message whose attributes carry the id', () => {
    const hops = consumerHops(
      [
        {
          at: 't',
          functionName: 'fn',
          queueArn: 'arn:aws:sqs:us-east-1:0:q',
          messageId: 'm',
          receiveCount: 1,
          ok: false,
          errorType: 'Error',
          errorMessage: 'x',
          duplicate: false,
          body: '{}',
          attributes: { correlationId: 'c-1' },
        },
      ],
      new Set(['c-1']),
    );

    expect(hops[0]).toMatchObject({
      source: 'sqs:q',
      message: 'message → fn: failed',
      fields: { error: 'Error: x' },
    });
  });
});

describe('formatHop', () => {
  it('prints time, source, message and the fields on one line', () => {
    expect(
      formatHop({ time: 't', source: 'fn', message: 'done', fields: { a: '1', b: 'two words' } }, 4),
    ).toBe('t  fn    done  a=1 b="two words"');
  });
});

describe('lastErrorsByMessageId', () => {
  it('keeps the last error logged for each message id', () => {
    const entries = [
      parseLogLine(
        'fn',
        1,
        line({
          level: 'ERROR',
          message: 'failed',
          messageId: 'm-1',
          error: { name: 'Error', message: 'first' },
        }),
      ),
      parseLogLine(
        'fn',
        2,
        line({
          level: 'ERROR',
          message: 'failed',
          messageId: 'm-1',
          error: { name: 'Error', message: 'second' },
        }),
      ),
      parseLogLine('fn', 3, line({ level: 'INFO', message: 'ok', messageId: 'm-1' })),
    ];

    expect(lastErrorsByMessageId(entries, ['m-1']).get('m-1')?.reason).toBe('failed: Error: second');
  });
});

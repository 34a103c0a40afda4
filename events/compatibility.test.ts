import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_DETAIL_TYPES, SOURCES } from './catalog.ts';
import { findBreakingChanges } from './compatibility.ts';
import { loadFixture } from './fixtures.ts';
import {
  baselineKey,
  detailJsonSchema,
  type JsonSchema,
  readBaseline,
  writeJsonSchemas,
} from './json-schema.ts';

const baselinePath = fileURLToPath(new URL('./compatibility-baseline.json', import.meta.url));
const schemasDir = fileURLToPath(new URL('./schemas/', import.meta.url));
const scenarioPath = fileURLToPath(new URL('./fixtures/scenarios/delivery-completed.json', import.meta.url));

const location: JsonSchema = {
  type: 'object',
  properties: { latitude: { type: 'number' }, longitude: { type: 'number' } },
  required: ['latitude', 'longitude'],
};
const baseline: JsonSchema = {
  type: 'object',
  properties: {
    deliveryId: { type: 'string' },
    reason: { type: 'string', enum: ['AccountSuspended', 'NoDroneAvailable'] },
    note: { type: 'string' },
    location,
    stops: { type: 'array', items: structuredClone(location) },
  },
  required: ['deliveryId', 'reason', 'location'],
};

function changed(edit: (schema: JsonSchema) => void): JsonSchema {
  const copy = structuredClone(baseline);
  edit(copy);
  return copy;
}

const props = (schema: JsonSchema) => schema.properties as Record<string, JsonSchema>;

describe('findBreakingChanges', () => {
  it('finds nothing between a schema and itself', () => {
    const current = structuredClone(baseline);

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([]);
  });

  it('accepts an added optional field', () => {
    const current = changed((s) => {
      props(s).speedMps = { type: 'number' };
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([]);
  });

  it('accepts an added enum value', () => {
    const current = changed((s) => {
      (props(s).reason as { enum: string[] }).enum.push('RetriesExhausted');
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([]);
  });

  it('accepts a required field becoming optional', () => {
    const current = changed((s) => {
      s.required = ['deliveryId', 'location'];
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([]);
  });

  it('reports a removed field', () => {
    const current = changed((s) => {
      delete props(s).note;
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([expect.objectContaining({ path: 'note', kind: 'removed' })]);
  });

  it('reports a field removed from a nested object', () => {
    const current = changed((s) => {
      delete props(props(s).location as JsonSchema).longitude;
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([expect.objectContaining({ path: 'location.longitude', kind: 'removed' })]);
  });

  it('reports a retyped field', () => {
    const current = changed((s) => {
      props(s).deliveryId = { type: 'number' };
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([
      expect.objectContaining({
        path: 'deliveryId',
        kind: 'retyped',
        message: expect.stringMatching(/string to number/),
      }),
    ]);
  });

  it('reports a field made nullable as retyped', () => {
    const current = changed((s) => {
      props(s).note = { anyOf: [{ type: 'string' }, { type: 'null' }] };
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([expect.objectContaining({ path: 'note', kind: 'retyped' })]);
  });

  it('reports a retyped array item', () => {
    const current = changed((s) => {
      props(s).stops = { type: 'array', items: { type: 'string' } };
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([expect.objectContaining({ path: 'stops[]', kind: 'retyped' })]);
  });

  it('reports an optional field that became required', () => {
    const current = changed((s) => {
      s.required = ['deliveryId', 'reason', 'location', 'note'];
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([expect.objectContaining({ path: 'note', kind: 'newly-required' })]);
  });

  it('reports a new field added as required', () => {
    const current = changed((s) => {
      props(s).droneId = { type: 'string' };
      s.required = ['deliveryId', 'reason', 'location', 'droneId'];
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([expect.objectContaining({ path: 'droneId', kind: 'newly-required' })]);
  });

  it('reports a removed enum value', () => {
    const current = changed((s) => {
      props(s).reason = { type: 'string', enum: ['AccountSuspended'] };
    });

    const changes = findBreakingChanges(baseline, current);

    expect(changes).toEqual([
      expect.objectContaining({
        path: 'reason',
        kind: 'enum-value-removed',
        message: 'reason no longer allows "NoDroneAvailable"',
      }),
    ]);
  });

  it('reports a changed constant', () => {
    const before: JsonSchema = { type: 'string', const: 'drone-delivery.deliveries' };

    const changes = findBreakingChanges(before, { type: 'string', const: 'drone-delivery.orders' });

    expect(changes).toEqual([expect.objectContaining({ path: '(root)', kind: 'const-changed' })]);
  });
});

describe('the catalog against its committed baseline', () => {
  const committed = readBaseline(baselinePath);

  it.each(ALL_DETAIL_TYPES)('keeps %s compatible with the baseline of its schema version', (detailType) => {
    const before = committed[baselineKey(detailType)];

    const changes =
      before === undefined ? ['no baseline'] : findBreakingChanges(before, detailJsonSchema(detailType));

    expect(changes).toEqual([]);
  });

  it.each([
    ['DroneStatusChanged', 'recordedAt'],
    ['DronePositionChanged', 'recordedAt'],
    ['DeliveryInTransit', 'accountId'],
    ['DeliveryCompleted', 'accountId'],
  ] as const)('refuses %s with %s required again, as its baseline has it optional', (detailType, field) => {
    const current = detailJsonSchema(detailType);
    const tightened = { ...current, required: [...(current.required as string[]), field] };

    const changes = findBreakingChanges(committed[baselineKey(detailType)] ?? {}, tightened);

    expect(changes).toEqual([expect.objectContaining({ path: field, kind: 'newly-required' })]);
  });

  it('refuses metadata.eventId made required, as events from before it lack it', () => {
    const current = detailJsonSchema('DeliveryCreated');
    const properties = current.properties as Record<string, JsonSchema>;
    const metadata = properties.metadata as JsonSchema;
    const tightened = {
      ...current,
      properties: {
        ...properties,
        metadata: { ...metadata, required: [...(metadata.required as string[]), 'eventId'] },
      },
    };

    const changes = findBreakingChanges(committed[baselineKey('DeliveryCreated')] ?? {}, tightened);

    expect(changes).toEqual([expect.objectContaining({ path: 'metadata.eventId', kind: 'newly-required' })]);
  });

  it.each(ALL_DETAIL_TYPES)('has an up-to-date events/schemas/%s.json', (detailType) => {
    const written = JSON.parse(readFileSync(`${schemasDir}${detailType}.json`, 'utf8'));

    const generated = detailJsonSchema(detailType);

    expect(written).toEqual(generated);
  });
});

describe('writeJsonSchemas', () => {
  it('writes every schema and seeds a missing baseline, then leaves the baseline alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schemas-'));
    try {
      const target = join(dir, 'baseline.json');

      const first = writeJsonSchemas(join(dir, 'schemas'), target);
      const second = writeJsonSchemas(join(dir, 'schemas'), target);

      expect(first).toEqual(ALL_DETAIL_TYPES.map(baselineKey));
      expect(second).toEqual([]);
      expect(Object.keys(readBaseline(target))).toHaveLength(ALL_DETAIL_TYPES.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a missing baseline as empty', () => {
    const absent = join(tmpdir(), 'no-such-dir-for-baseline', 'baseline.json');

    const read = readBaseline(absent);

    expect(read).toEqual({});
  });
});

describe('the delivery-completed scenario', () => {
  const events = loadFixture(scenarioPath);

  it('is ordered by time, strictly increasing', () => {
    const times = events.map((e) => Date.parse(e.time));

    const outOfOrder = times.filter((t, i) => i > 0 && t <= (times[i - 1] as number));

    expect(outOfOrder).toEqual([]);
  });

  it('has unique envelope ids', () => {
    const ids = events.map((e) => e.id);

    const unique = new Set(ids);

    expect(unique.size).toBe(ids.length);
  });

  it('concerns one delivery, one account, one drone and one correlation id', () => {
    const details = events.map(
      (e) => e.detail as Record<string, unknown> & { metadata: { correlationId: string } },
    );

    const values = (key: string) => [...new Set(details.map((d) => d[key]).filter((v) => v !== undefined))];

    expect(values('deliveryId')).toEqual(['d-fixture-0001']);
    expect(values('accountId')).toEqual(['acct-demo']);
    expect(values('droneId')).toEqual(['drone-001']);
    expect([...new Set(details.map((d) => d.metadata.correlationId))]).toEqual(['corr-fixture-0001']);
  });

  it('follows the lifecycle from creation through the flight to an idle drone', () => {
    const milestones = events
      .filter((e) => e.source === SOURCES.deliveries || e['detail-type'] === 'DroneStatusChanged')
      .map((e) => ('status' in e.detail ? e.detail.status : e['detail-type']));

    expect(milestones).toEqual([
      'DeliveryCreated',
      'HeadedToPickup',
      'PickedUp',
      'DeliveryInTransit',
      'HeadedToDropoff',
      'Dropped',
      'DeliveryCompleted',
      'Returning',
      'Idle',
    ]);
  });

  it('links each causationId to an earlier event of the scenario', () => {
    const seen = new Set<string>();
    const dangling: string[] = [];

    for (const event of events) {
      const { causationId } = event.detail.metadata;
      if (causationId !== undefined && !seen.has(causationId)) dangling.push(event.id);
      seen.add(event.id);
    }

    expect(dangling).toEqual([]);
  });

  it('carries drone recordedAt equal to the envelope time', () => {
    const drifted = events.filter((e) => 'recordedAt' in e.detail && e.detail.recordedAt !== e.time);

    expect(drifted).toEqual([]);
  });
});

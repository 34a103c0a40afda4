import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { ALL_DETAIL_TYPES, type DetailType, SOURCES } from './catalog.ts';
import { listFixtures, loadFixture } from './fixtures.ts';
import { detailJsonSchema } from './json-schema.ts';
import {
  envelopeSchemaFor,
  eventSchemas,
  type ParsedEvent,
  parseDeliveryEvent,
  parseDetail,
  parseDroneEvent,
  parseEnvelope,
  sourceOf,
} from './schemas.ts';

const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

function fixtureOf<T extends DetailType>(detailType: T): ParsedEvent<T> {
  const [envelope] = loadFixture(`${fixturesDir}${detailType}.json`);
  if (envelope?.['detail-type'] !== detailType)
    throw new Error(`fixture ${detailType} holds no ${detailType}`);
  return structuredClone(envelope) as ParsedEvent<T>;
}

// Every (detail-type, required field) pair, read from the generated JSON Schema so that a field
// added later is covered without editing this test.
const requiredFields = ALL_DETAIL_TYPES.flatMap((detailType) =>
  (detailJsonSchema(detailType).required as string[]).map((field) => ({ detailType, field })),
);
const allFields = ALL_DETAIL_TYPES.flatMap((detailType) =>
  Object.keys(detailJsonSchema(detailType).properties as object).map((field) => ({ detailType, field })),
);

describe('fixtures', () => {
  it('has one valid fixture per detail-type, of that detail-type and source', () => {
    const fixtures = listFixtures(fixturesDir);

    const kinds = fixtures.map(({ events }) => events.map((e) => [e['detail-type'], e.source]));

    expect(kinds).toEqual(ALL_DETAIL_TYPES.toSorted().map((t) => [[t, sourceOf(t)]]));
  });

  it('validates every envelope of every scenario', () => {
    const scenarios = listFixtures(`${fixturesDir}scenarios`);

    const count = scenarios.reduce((n, { events }) => n + events.length, 0);

    expect(scenarios.length).toBeGreaterThan(0);
    expect(count).toBeGreaterThan(10);
  });
});

describe('detail schemas', () => {
  it.each(requiredFields)('rejects a $detailType without $field', ({ detailType, field }) => {
    const { detail } = fixtureOf(detailType);
    delete (detail as Record<string, unknown>)[field];

    const result = eventSchemas[detailType].safeParse(detail);

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });

  it.each(allFields)('rejects a $detailType whose $field has the wrong type', ({ detailType, field }) => {
    const { detail } = fixtureOf(detailType);
    (detail as Record<string, unknown>)[field] = true;

    const result = eventSchemas[detailType].safeParse(detail);

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });

  it.each(ALL_DETAIL_TYPES)('accepts and strips fields a newer %s producer adds', (detailType) => {
    const { detail } = fixtureOf(detailType);

    const parsed = eventSchemas[detailType].parse({ ...detail, addedLater: 'x' });

    expect(parsed).toEqual(detail);
  });

  it('rejects a metadata without correlationId', () => {
    const { detail } = fixtureOf('DeliveryCreated');

    const result = eventSchemas.DeliveryCreated.safeParse({ ...detail, metadata: { schemaVersion: '1' } });

    expect(result.error?.issues[0]?.path).toEqual(['metadata', 'correlationId']);
  });

  it('rejects an empty correlationId', () => {
    const { detail } = fixtureOf('DeliveryCreated');

    const result = eventSchemas.DeliveryCreated.safeParse({
      ...detail,
      metadata: { correlationId: '', schemaVersion: '1' },
    });

    expect(result.error?.issues[0]?.path).toEqual(['metadata', 'correlationId']);
  });

  it.each([
    ['latitude', 90.5],
    ['latitude', -91],
    ['longitude', 180.1],
    ['longitude', -181],
  ])('rejects a location whose %s is %d', (coordinate, value) => {
    const { detail } = fixtureOf('DeliveryInTransit');

    const result = eventSchemas.DeliveryInTransit.safeParse({
      ...detail,
      location: { ...detail.location, [coordinate]: value },
    });

    expect(result.error?.issues[0]?.path).toEqual(['location', coordinate]);
  });

  it.each([
    ['batteryPercent', 101],
    ['batteryPercent', -1],
    ['speedMps', -0.1],
  ])('rejects a position whose %s is %d', (field, value) => {
    const { detail } = fixtureOf('DronePositionChanged');

    const result = eventSchemas.DronePositionChanged.safeParse({ ...detail, [field]: value });

    expect(result.error?.issues[0]?.path).toEqual([field]);
  });

  it('rejects a failure reason outside the catalog', () => {
    const { detail } = fixtureOf('DeliveryFailed');

    const result = eventSchemas.DeliveryFailed.safeParse({ ...detail, reason: 'Weather' });

    expect(result.error?.issues[0]?.path).toEqual(['reason']);
  });

  it('rejects a drone status outside the catalog', () => {
    const { detail } = fixtureOf('DroneStatusChanged');

    const result = eventSchemas.DroneStatusChanged.safeParse({ ...detail, status: 'Crashed' });

    expect(result.error?.issues[0]?.path).toEqual(['status']);
  });

  it('rejects a recordedAt that is not an ISO date-time', () => {
    const { detail } = fixtureOf('DronePositionChanged');

    const result = eventSchemas.DronePositionChanged.safeParse({ ...detail, recordedAt: '4 May 2026' });

    expect(result.error?.issues[0]?.path).toEqual(['recordedAt']);
  });

  it('accepts a date-time with an offset', () => {
    const { detail } = fixtureOf('DeliveryCompleted');

    const parsed = parseDetail('DeliveryCompleted', { ...detail, completedAt: '2026-05-04T09:14:40-07:00' });

    expect(parsed.completedAt).toBe('2026-05-04T09:14:40-07:00');
  });

  it('accepts a DeliveryFailed for a delivery that names no drone and no detail', () => {
    const failed = { deliveryId: 'd-1', accountId: 'acct-1', reason: 'AccountSuspended' };

    const parsed = parseDetail('DeliveryFailed', {
      ...failed,
      metadata: { correlationId: 'c', schemaVersion: '1' },
    });

    expect(parsed.reason).toBe('AccountSuspended');
  });
});

describe('envelopes', () => {
  it('returns the detail-type and typed detail of a delivery event', () => {
    const envelope = fixtureOf('DeliveryCreated');

    const event = parseDeliveryEvent(envelope);

    expect(event.detailType).toBe('DeliveryCreated');
    if (event.detailType !== 'DeliveryCreated') throw new Error('narrowing failed');
    expect(event.detail.pickup.latitude).toBe(envelope.detail.pickup.latitude);
    expect(event.envelope.id).toBe(envelope.id);
  });

  it('returns the detail-type and typed detail of a drone event', () => {
    const envelope = fixtureOf('DroneStatusChanged');

    const event = parseDroneEvent(envelope);

    expect(event.detailType).toBe('DroneStatusChanged');
    if (event.detailType !== 'DroneStatusChanged') throw new Error('narrowing failed');
    expect(event.detail.status).toBe('PickedUp');
  });

  it('refuses a drone event as a delivery event', () => {
    const envelope = fixtureOf('DronePositionChanged');

    const parse = () => parseDeliveryEvent(envelope);

    expect(parse).toThrow(ZodError);
  });

  it('refuses a delivery event as a drone event', () => {
    const envelope = fixtureOf('DeliveryCompleted');

    const parse = () => parseDroneEvent(envelope);

    expect(parse).toThrow(ZodError);
  });

  it('refuses a detail-type published by the wrong source', () => {
    const envelope = { ...fixtureOf('DeliveryCancelled'), source: SOURCES.drones };

    const result = envelopeSchemaFor('DeliveryCancelled').safeParse(envelope);

    expect(result.error?.issues[0]?.path).toEqual(['source']);
  });

  it('reports the detail field at fault in an envelope', () => {
    const envelope = fixtureOf('DeliveryInTransit');
    envelope.detail.droneId = '';

    const parse = () => parseEnvelope(envelope);

    expect(parse).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: ['detail', 'droneId'] })] }),
    );
  });

  it.each(['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'])(
    'refuses an envelope without %s',
    (field) => {
      const envelope: Record<string, unknown> = fixtureOf('DeliveryCreated');
      delete envelope[field];

      const result = parseEnvelope.bind(null, envelope);

      expect(result).toThrow(ZodError);
    },
  );

  it('throws only validation errors, whatever the input', () => {
    const anyInput = fc.oneof(
      fc.jsonValue(),
      fc.record({ 'detail-type': fc.constantFrom(...ALL_DETAIL_TYPES), detail: fc.jsonValue() }),
    );

    const property = fc.property(anyInput, (input) => {
      for (const parse of [parseDeliveryEvent, parseDroneEvent]) {
        try {
          parse(input);
        } catch (error) {
          if (!(error instanceof ZodError)) throw error;
        }
      }
    });

    expect(() => fc.assert(property, { numRuns: 300 })).not.toThrow();
  });
});

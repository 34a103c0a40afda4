import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_DETAIL_TYPES, type DetailType, isDroneEventType } from './catalog.ts';
import { contractViolations, DETAIL_CONTRACT, METADATA_CONTRACT } from './contract.ts';
import { loadFixture } from './fixtures.ts';
import { detailJsonSchema, type JsonSchema } from './json-schema.ts';
import { parseDeliveryEvent, parseDroneEvent, parseEnvelope } from './schemas.ts';

const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** The fixture of a detail-type cut down to what the contract requires, metadata included. */
function contractOnly(detailType: DetailType) {
  const [full] = loadFixture(`${fixturesDir}${detailType}.json`);
  if (full === undefined) throw new Error(`no fixture for ${detailType}`);
  const detail = full.detail as Record<string, unknown> & { metadata: Record<string, unknown> };
  const kept = Object.fromEntries(
    DETAIL_CONTRACT[detailType].required.map((field) => [field, detail[field]]),
  );
  const metadata = Object.fromEntries(
    METADATA_CONTRACT.required.map((field) => [field, detail.metadata[field]]),
  );
  return { ...full, detail: { ...kept, metadata } };
}

const required = (schema: JsonSchema) => schema.required as string[];

describe('the schemas against the contract', () => {
  it.each(ALL_DETAIL_TYPES)(
    '%s requires no field the contract lacks and knows every field it lists',
    (detailType) => {
      const schema = detailJsonSchema(detailType);

      const violations = contractViolations(detailType, schema);

      expect(violations).toEqual([]);
    },
  );

  it.each(ALL_DETAIL_TYPES)(
    '%s accepts an event with only the fields the contract requires',
    (detailType) => {
      const envelope = contractOnly(detailType);

      const parse = () => parseEnvelope(envelope);

      expect(parse).not.toThrow();
    },
  );

  it('reports a field required beyond the contract', () => {
    const schema = detailJsonSchema('DroneStatusChanged');
    const tightened = { ...schema, required: [...required(schema), 'recordedAt'] };

    const violations = contractViolations('DroneStatusChanged', tightened);

    expect(violations).toEqual(['recordedAt is required, but the contract does not list it']);
  });

  it('reports a metadata field added within the version that became required', () => {
    const schema = detailJsonSchema('DeliveryInTransit');
    const properties = schema.properties as Record<string, JsonSchema>;
    const metadata = properties.metadata as JsonSchema;
    const tightened = {
      ...schema,
      properties: { ...properties, metadata: { ...metadata, required: [...required(metadata), 'eventId'] } },
    };

    const violations = contractViolations('DeliveryInTransit', tightened);

    expect(violations).toEqual([
      'metadata.eventId is required, but the contract has it optional or added within the version',
    ]);
  });

  it('reports a contract field the schema does not know', () => {
    const schema = detailJsonSchema('DeliveryCompleted');
    const { completedAt: _dropped, ...properties } = schema.properties as Record<string, JsonSchema>;

    const violations = contractViolations('DeliveryCompleted', {
      ...schema,
      properties,
      required: required(schema).filter((field) => field !== 'completedAt'),
    });

    expect(violations).toEqual(['completedAt is in the contract but not in the schema']);
  });
});

describe('reading contract-only events', () => {
  it('gives a drone event without recordedAt the envelope time', () => {
    const envelope = contractOnly('DroneStatusChanged');

    const event = parseDroneEvent(envelope);

    expect(event.detail.recordedAt).toBe(envelope.time);
  });

  it('names an event without metadata.eventId by its envelope id', () => {
    const envelope = contractOnly('DeliveryCompleted');

    const event = parseDeliveryEvent(envelope);

    expect(event.eventId).toBe(envelope.id);
  });

  it('reads every drone event of the contract-only scenario with its envelope time', () => {
    const events = loadFixture(`${fixturesDir}scenarios/contract-only-flight.json`);

    const read = events.map((envelope) => parseDroneEvent(envelope));

    expect(read.map((event) => event.detail.recordedAt)).toEqual(events.map((envelope) => envelope.time));
  });
});

describe('the contract-only scenario', () => {
  it("carries exactly the contract's fields, without recordedAt or metadata.eventId", () => {
    const events = loadFixture(`${fixturesDir}scenarios/contract-only-flight.json`);

    const beyond = events.flatMap((envelope) => {
      const contract = DETAIL_CONTRACT[envelope['detail-type']];
      const listed = new Set([...contract.required, ...contract.optional, 'metadata']);
      const { metadata, ...detail } = envelope.detail;
      return [
        ...Object.keys(detail).filter((field) => !listed.has(field)),
        ...Object.keys(metadata).filter((field) => !METADATA_CONTRACT.required.includes(field)),
      ];
    });

    expect(events.every((envelope) => isDroneEventType(envelope['detail-type']))).toBe(true);
    expect(beyond).toEqual([]);
  });
});

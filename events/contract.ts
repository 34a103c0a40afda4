// The event contract of docs/architecture.md ("Event catalog"), written once as data: the fields
// each detail-type carries there. The schemas in schemas.ts are what the code validates; a test
// (contract.test.ts) holds them to this table, so that a reader never refuses an event the
// contract describes: a schema may require only what the contract requires, and must know every
// field the contract names.
import type { DetailType } from './catalog.ts';

/** The fields of one part of an event as the contract lists them. */
export interface ContractFields {
  /** Listed without `?`: every producer sends them. */
  readonly required: readonly string[];
  /** Listed with `?`. */
  readonly optional: readonly string[];
  /**
   * Listed, but added within the current schema version: events published before do not carry them,
   * so readers treat them as optional and fall back (see each field's fallback in schemas.ts).
   */
  readonly addedWithinVersion: readonly string[];
}

const fields = (
  required: readonly string[],
  optional: readonly string[] = [],
  addedWithinVersion: readonly string[] = [],
): ContractFields => ({ required, optional, addedWithinVersion });

/** `detail.metadata` of every event. `eventId` falls back to the envelope's `id`. */
export const METADATA_CONTRACT = fields(['correlationId', 'schemaVersion'], ['causationId'], ['eventId']);

/** `detail` of each detail-type of the catalog, `metadata` aside. */
export const DETAIL_CONTRACT: Readonly<Record<DetailType, ContractFields>> = {
  DeliveryCreated: fields([
    'deliveryId',
    'accountId',
    'droneId',
    'pickup',
    'dropoff',
    'pickupEta',
    'deliveryEta',
  ]),
  DeliveryRescheduled: fields([
    'deliveryId',
    'pickupTime',
    'deadline',
    'dropoff',
    'pickupEta',
    'deliveryEta',
  ]),
  DeliveryInTransit: fields(['deliveryId', 'droneId', 'location']),
  DeliveryCompleted: fields(['deliveryId', 'droneId', 'location', 'completedAt']),
  DeliveryCancelled: fields(['deliveryId'], ['reason']),
  DeliveryFailed: fields(['deliveryId', 'reason']),
  DeliveryRescheduleRejected: fields(['deliveryId', 'reason', 'change']),
  DronePositionChanged: fields(['droneId', 'location', 'batteryPercent', 'speedMps'], ['deliveryId']),
  DroneStatusChanged: fields(['droneId', 'status', 'location', 'batteryPercent'], ['deliveryId']),
};

/** The fields of `location` wherever an event carries one. */
export const LOCATION_CONTRACT = fields(['latitude', 'longitude', 'altitude']);

type JsonObject = { [key: string]: unknown };

const asObject = (value: unknown): JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {};
const names = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

function partViolations(where: string, schema: JsonObject, contract: ContractFields, also: string[] = []) {
  const allowed = new Set([...contract.required, ...also]);
  const known = new Set(Object.keys(asObject(schema.properties)));
  return [
    ...names(schema.required)
      .filter((field) => !allowed.has(field))
      .map(
        (field) =>
          `${where}${field} is required, but the contract ${
            contract.addedWithinVersion.includes(field) || contract.optional.includes(field)
              ? 'has it optional or added within the version'
              : 'does not list it'
          }`,
      ),
    ...[...contract.required, ...contract.optional, ...contract.addedWithinVersion]
      .filter((field) => !known.has(field))
      .map((field) => `${where}${field} is in the contract but not in the schema`),
  ];
}

/**
 * What keeps a detail's JSON Schema from reading every event the contract describes: a required
 * field the contract does not require, or a contract field the schema does not know. Empty when none.
 */
export function contractViolations(detailType: DetailType, detailSchema: JsonObject): string[] {
  const properties = asObject(detailSchema.properties);
  const locations = ['pickup', 'dropoff', 'location'].filter((field) => field in properties);
  return [
    ...partViolations('', detailSchema, DETAIL_CONTRACT[detailType], ['metadata']),
    ...partViolations('metadata.', asObject(properties.metadata), METADATA_CONTRACT),
    ...locations.flatMap((field) =>
      partViolations(`${field}.`, asObject(properties[field]), LOCATION_CONTRACT),
    ),
  ];
}

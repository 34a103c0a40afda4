import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { OUTBOX_INDEX } from '../../../shared/outbox.ts';
import {
  assignmentKey,
  BOOKING_PREFIX,
  bookingSk,
  DISPATCH_INDEX,
  DRONE_PREFIX,
  DRONE_SK,
  droneKey,
  profileItem,
  profileKey,
} from '../core/keys.ts';
import {
  assignmentSchema,
  bookingSchema,
  type Drone,
  type DroneProfile,
  droneProfileSchema,
  droneSchema,
} from '../core/model.ts';
import type { DroneStore, FlightEntry } from '../core/store.ts';
import { bookingItems, releaseItems, type TransactItem, telemetryItems } from './dynamodb-transactions.ts';

/** True when a write lost a race: a condition failed, or a concurrent transaction touched an item. */
function isConflict(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'TransactionCanceledException' || error.name === 'ConditionalCheckFailedException')
  );
}

/**
 * The DynamoDB adapter of the drone table (core/keys.ts lays it out).
 * - A drone whose outbox batch is unpublished carries `outboxShard`/`outboxSince`, the keys of the
 *   sparse `pendingOutbox` index: the outbox sweeper queries a handful of items, not the fleet.
 * - Candidates for a delivery are the profiles the `dispatch` index lists in the cells around the
 *   pickup; a candidate's bookings are a Query of its partition between two departure times.
 * - Bookings of one drone cannot be kept from overlapping by a condition (it would span items), so
 *   every booking change is a transaction conditional on the version of the drone's profile, the
 *   version the bookings were read under: two changes of one drone's schedule are serialized.
 * - Due departures and drones in flight are listed in the `dispatch` index under a flight shard,
 *   by time: the simulator reads them there instead of scanning the fleet.
 */
export function createDroneStore(client: DynamoDBDocumentClient, tableName: string): DroneStore {
  async function transact(items: TransactItem[]): Promise<boolean> {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>) {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({ TableName: tableName, ExclusiveStartKey: startKey, ...input }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  return {
    async getDrone(droneId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: droneKey(droneId), ConsistentRead: true }),
      );
      return Item ? droneSchema.parse(Item) : undefined;
    },

    async listDrones() {
      const drones: Drone[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
            FilterExpression: 'sk = :sk',
            ExpressionAttributeValues: { ':sk': DRONE_SK },
          }),
        );
        for (const item of page.Items ?? []) drones.push(droneSchema.parse(item));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return drones;
    },

    async getAssignment(deliveryId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: assignmentKey(deliveryId), ConsistentRead: true }),
      );
      // A bare finish marker (its assignment deleted by hand before the flight ended) is no assignment.
      return Item && 'request' in Item ? assignmentSchema.parse(Item) : undefined;
    },

    async getProfile(droneId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: profileKey(droneId), ConsistentRead: true }),
      );
      return Item ? droneProfileSchema.parse(Item) : undefined;
    },

    async listProfilesInCell(cellKey) {
      const items = await queryAll({
        IndexName: DISPATCH_INDEX,
        KeyConditionExpression: 'dispatchPk = :cell',
        ExpressionAttributeValues: { ':cell': cellKey },
      });
      return items.map((item) => droneProfileSchema.parse(item));
    },

    async listBookings(droneId, from, to) {
      const items = await queryAll({
        ConsistentRead: true,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': droneKey(droneId).pk,
          ':from': `${BOOKING_PREFIX}${from}`,
          // Past every delivery id of a booking departing at `to`.
          ':to': `${bookingSk(to, '')}\uffff`,
        },
      });
      return items.map((item) => bookingSchema.parse(item));
    },

    book: (change) => transact(bookingItems(tableName, change)),

    release: (change) => transact(releaseItems(tableName, change)),

    applyTelemetry: (previous, update) => transact(telemetryItems(tableName, previous, update)),

    async clearOutbox(droneId, outboxKey) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: droneKey(droneId),
            UpdateExpression: 'REMOVE outboxKey, outboxShard, outboxSince',
            ConditionExpression: 'outboxKey = :key',
            ExpressionAttributeValues: { ':key': outboxKey },
          }),
        );
      } catch (error) {
        // Another call published the batch and cleared it, or a newer report replaced it.
        if (!isConflict(error)) throw error;
      }
    },

    async listPendingOutboxes(shard, before, limit) {
      const { Items } = await client.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: OUTBOX_INDEX,
          KeyConditionExpression: 'outboxShard = :shard AND outboxSince < :before',
          ExpressionAttributeValues: { ':shard': shard, ':before': before },
          Limit: limit,
        }),
      );
      return (Items ?? []).flatMap((item) =>
        typeof item.pk === 'string' &&
        item.pk.startsWith(DRONE_PREFIX) &&
        typeof item.outboxSince === 'string'
          ? [{ droneId: item.pk.slice(DRONE_PREFIX.length), since: item.outboxSince }]
          : [],
      );
    },

    async listFlights(shard, before) {
      const items = await queryAll({
        IndexName: DISPATCH_INDEX,
        KeyConditionExpression: 'dispatchPk = :shard AND dispatchSk <= :before',
        ExpressionAttributeValues: { ':shard': shard, ':before': before },
      });
      return items.flatMap((item): FlightEntry[] => {
        const { pk, sk, dispatchSk, deliveryId } = item;
        if (typeof pk !== 'string' || typeof sk !== 'string' || typeof dispatchSk !== 'string') return [];
        const droneId = pk.slice(DRONE_PREFIX.length);
        if (sk === DRONE_SK) return [{ kind: 'flying', droneId, at: dispatchSk }];
        if (sk.startsWith(BOOKING_PREFIX) && typeof deliveryId === 'string') {
          return [{ kind: 'departure', droneId, deliveryId, at: dispatchSk }];
        }
        return [];
      });
    },

    async putDroneIfAbsent(drone, readyAt) {
      const putIfAbsent = async (item: Record<string, unknown>) => {
        try {
          await client.send(
            new PutCommand({
              TableName: tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          return true;
        } catch (error) {
          if (isConflict(error)) return false;
          throw error;
        }
      };
      const profile: DroneProfile = {
        droneId: drone.droneId,
        home: drone.home,
        speedMps: drone.speedMps,
        payloadLimitKg: drone.payloadLimitKg,
        ...(readyAt === undefined ? {} : { readyAt }),
        version: 0,
      };
      const created = await putIfAbsent({ ...droneKey(drone.droneId), ...drone });
      await putIfAbsent(profileItem(profile));
      return created;
    },
  };
}

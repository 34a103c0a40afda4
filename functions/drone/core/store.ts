import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { OUTBOX_INDEX, outboxIndexKey } from '../../../shared/outbox.ts';
import {
  assignmentKey,
  BOOKING_PREFIX,
  bookingItem,
  bookingKey,
  bookingSk,
  DISPATCH_INDEX,
  DRONE_PREFIX,
  DRONE_SK,
  droneKey,
  flightShard,
  profileItem,
  profileKey,
} from './keys.ts';
import {
  type Assignment,
  assignmentSchema,
  bookingOf,
  bookingSchema,
  type Drone,
  type DroneProfile,
  droneProfileSchema,
  droneSchema,
  FINISHED_ASSIGNMENT_TTL_SECONDS,
} from './model.ts';
import type { DroneStore, FlightEntry, Recall } from './store-port.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

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

  /** The writes that call back a drone flying to the pickup of a delivery whose booking goes away. */
  function recallItems(recall: Recall, deliveryId: string, profileWrittenAlready = false): TransactItem[] {
    const { drone } = recall;
    // A drone still at its base (an assignment of the time before bookings) simply stays there.
    const atBase = drone.state === 'Assigned';
    const items: TransactItem[] = [
      {
        Update: {
          TableName: tableName,
          Key: droneKey(drone.droneId),
          UpdateExpression: atBase
            ? 'SET #state = :next REMOVE deliveryId, #route, dispatchPk, dispatchSk'
            : 'SET #state = :next REMOVE deliveryId',
          ConditionExpression: 'deliveryId = :deliveryId AND #state = :stateRead',
          ExpressionAttributeNames: atBase ? { '#state': 'state', '#route': 'route' } : { '#state': 'state' },
          ExpressionAttributeValues: {
            ':next': atBase ? 'Idle' : 'Returning',
            ':deliveryId': deliveryId,
            ':stateRead': drone.state,
          },
        },
      },
    ];
    // Its flight's window stays blocked: the drone is not home and charged before it ends.
    if (!profileWrittenAlready) {
      items.push({
        Update: {
          TableName: tableName,
          Key: profileKey(drone.droneId),
          UpdateExpression: 'SET readyAt = :readyAt ADD version :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':readyAt': recall.readyAt, ':one': 1 },
        },
      });
    }
    return items;
  }

  /** Deletes a booking; unless its drone is being called back, only while the drone has not taken off for it. */
  function deleteBooking(assignment: Assignment, recalled: boolean): TransactItem {
    return {
      Delete: {
        TableName: tableName,
        Key: bookingKey(assignment),
        ...(recalled ? {} : { ConditionExpression: 'attribute_not_exists(tookOffAt)' }),
      },
    };
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

    book({ profile, assignment, previous, recall }) {
      const booking = bookingOf(assignment);
      const replacesSame =
        previous !== undefined &&
        bookingKey(previous).pk === bookingKey(booking).pk &&
        bookingKey(previous).sk === bookingKey(booking).sk;
      const recallsBookedDrone = recall !== undefined && recall.drone.droneId === profile.droneId;
      const items: TransactItem[] = [
        {
          Update: {
            TableName: tableName,
            Key: profileKey(profile.droneId),
            UpdateExpression: recallsBookedDrone
              ? 'SET version = :next, readyAt = :readyAt'
              : 'SET version = :next',
            ConditionExpression: 'version = :read',
            ExpressionAttributeValues: {
              ':next': profile.version + 1,
              ':read': profile.version,
              ...(recallsBookedDrone ? { ':readyAt': recall.readyAt } : {}),
            },
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: bookingItem(booking),
            // The same window again (a re-booking that changed nothing of it) replaces it in place.
            ConditionExpression: replacesSame
              ? 'attribute_not_exists(tookOffAt)'
              : 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: { ...assignmentKey(assignment.deliveryId), ...assignment },
            ...(previous === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :version',
                  ExpressionAttributeValues: { ':version': previous.version },
                }),
          },
        },
      ];
      if (previous !== undefined && !replacesSame) items.push(deleteBooking(previous, recall !== undefined));
      if (recall !== undefined) {
        items.push(...recallItems(recall, assignment.deliveryId, recallsBookedDrone));
      }
      return transact(items);
    },

    release({ assignment, recall }) {
      return transact([
        {
          Delete: {
            TableName: tableName,
            Key: assignmentKey(assignment.deliveryId),
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': assignment.version },
          },
        },
        deleteBooking(assignment, recall !== undefined),
        ...(recall ? recallItems(recall, assignment.deliveryId) : []),
      ]);
    },

    applyTelemetry(previous, update) {
      // `position` is a reserved word in DynamoDB expressions, as are many plain names: alias them.
      const names: Record<string, string> = { '#state': 'state', '#position': 'position' };
      const values: Record<string, unknown> = {
        ':position': update.position,
        ':battery': update.batteryPercent,
        ':speed': update.speedMps,
        ':state': update.state,
        ':last': update.lastTelemetryAt,
        ':previousState': previous.state,
      };
      const sets = [
        '#position = :position',
        'batteryPercent = :battery',
        'currentSpeedMps = :speed',
        '#state = :state',
        'lastTelemetryAt = :last',
      ];
      if (update.stateChangedAt !== undefined) {
        sets.push('stateChangedAt = :changedAt');
        values[':changedAt'] = update.stateChangedAt;
      }
      // The events go in the same conditional write as the change that causes them.
      sets.push('outbox = :outbox');
      values[':outbox'] = update.outbox;
      const removes = new Set<string>();
      if (update.pending) {
        const index = outboxIndexKey(droneKey(previous.droneId).pk, update.pending.since);
        sets.push('outboxKey = :outboxKey', 'outboxShard = :outboxShard', 'outboxSince = :outboxSince');
        values[':outboxKey'] = update.pending.key;
        values[':outboxShard'] = index.outboxShard;
        values[':outboxSince'] = index.outboxSince;
      } else {
        // The caller published any batch it read as pending before replacing it.
        for (const name of ['outboxKey', 'outboxShard', 'outboxSince']) removes.add(name);
      }
      const { takeOff } = update;
      if (takeOff) {
        // The drone takes the delivery now, and is listed as flying until it lands.
        names['#route'] = 'route';
        sets.push('deliveryId = :takenDelivery', '#route = :route');
        sets.push('dispatchPk = :flightShard', 'dispatchSk = :flightAt');
        values[':takenDelivery'] = takeOff.assignment.deliveryId;
        values[':route'] = takeOff.route;
        values[':flightShard'] = flightShard(previous.droneId);
        values[':flightAt'] = update.lastTelemetryAt;
      }
      // Optimistic concurrency: the drone must still be as it was read (state, delivery, last report).
      const conditions = ['#state = :previousState'];
      if (previous.lastTelemetryAt === undefined) {
        conditions.push('attribute_not_exists(lastTelemetryAt)');
      } else {
        conditions.push('lastTelemetryAt = :previousLast');
        values[':previousLast'] = previous.lastTelemetryAt;
      }
      if (previous.deliveryId === undefined) {
        conditions.push('attribute_not_exists(deliveryId)');
      } else {
        conditions.push('deliveryId = :previousDelivery');
        values[':previousDelivery'] = previous.deliveryId;
      }
      const finishing = update.finishDelivery && previous.deliveryId !== undefined;
      if (finishing || update.landed) {
        names['#route'] = 'route';
        removes.add('#route');
        removes.add('dispatchPk');
        removes.add('dispatchSk');
      }
      if (finishing) removes.add('deliveryId');
      const droneUpdate: TransactItem = {
        Update: {
          TableName: tableName,
          Key: droneKey(previous.droneId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.size > 0 ? ` REMOVE ${[...removes].join(', ')}` : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
      const items: TransactItem[] = [droneUpdate];
      if (takeOff) {
        // Only for a booking still there and not flown yet: a release or a re-booking that wins
        // the race leaves nothing to take off for, and this write fails.
        items.push({
          Update: {
            TableName: tableName,
            Key: bookingKey(takeOff.assignment),
            UpdateExpression: 'SET tookOffAt = :at REMOVE dispatchPk, dispatchSk',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(tookOffAt)',
            ExpressionAttributeValues: { ':at': update.lastTelemetryAt },
          },
        });
      }
      if (finishing && previous.deliveryId !== undefined) {
        // Kept, marked finished: a late retry of the request is answered with this flight (see
        // model.ts). It must not belong to another drone. One deleted by hand leaves a bare marker
        // (no request), which getAssignment reads as none.
        items.push({
          Update: {
            TableName: tableName,
            Key: assignmentKey(previous.deliveryId),
            UpdateExpression: 'SET finishedAt = :finishedAt, expiresAt = :expiresAt',
            ConditionExpression: 'attribute_not_exists(pk) OR droneId = :droneId',
            ExpressionAttributeValues: {
              ':droneId': previous.droneId,
              ':finishedAt': update.lastTelemetryAt,
              ':expiresAt':
                Math.floor(Date.parse(update.lastTelemetryAt) / 1000) + FINISHED_ASSIGNMENT_TTL_SECONDS,
            },
          },
        });
      }
      return transact(items);
    },

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

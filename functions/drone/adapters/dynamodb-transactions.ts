import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { outboxIndexKey } from '../../../shared/outbox.ts';
import { assignmentKey, bookingItem, bookingKey, droneKey, flightShard, profileKey } from '../core/keys.ts';
import { type Assignment, bookingOf, type Drone, FINISHED_ASSIGNMENT_TTL_SECONDS } from '../core/model.ts';
import type { BookingChange, Recall, ReleaseChange, TelemetryUpdate } from '../core/store.ts';

// The items of the drone table's transactions (adapters/dynamodb-store.ts sends them): every write
// is conditional on what was read, so a concurrent change makes the whole transaction fail.

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The writes of a booking change: the profile's version, the booking and the assignment together. */
export function bookingItems(
  tableName: string,
  { profile, assignment, previous, recall }: BookingChange,
): TransactItem[] {
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
        ConditionExpression: replacesSame ? 'attribute_not_exists(tookOffAt)' : 'attribute_not_exists(pk)',
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
  if (previous !== undefined && !replacesSame)
    items.push(deleteBooking(tableName, previous, recall !== undefined));
  if (recall !== undefined) {
    items.push(...recallItems(tableName, recall, assignment.deliveryId, recallsBookedDrone));
  }
  return items;
}

/** The writes that end a booking: the assignment, its booking, and the recall of its drone if any. */
export function releaseItems(tableName: string, { assignment, recall }: ReleaseChange): TransactItem[] {
  return [
    {
      Delete: {
        TableName: tableName,
        Key: assignmentKey(assignment.deliveryId),
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: { ':version': assignment.version },
      },
    },
    deleteBooking(tableName, assignment, recall !== undefined),
    ...(recall ? recallItems(tableName, recall, assignment.deliveryId) : []),
  ];
}

/** The writes of a telemetry, conditional on the drone as it was read. */
export function telemetryItems(tableName: string, previous: Drone, update: TelemetryUpdate): TransactItem[] {
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
  return items;
}

/** The writes that call back a drone flying to the pickup of a delivery whose booking goes away. */
function recallItems(
  tableName: string,
  recall: Recall,
  deliveryId: string,
  profileWrittenAlready = false,
): TransactItem[] {
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
function deleteBooking(tableName: string, assignment: Assignment, recalled: boolean): TransactItem {
  return {
    Delete: {
      TableName: tableName,
      Key: bookingKey(assignment),
      ...(recalled ? {} : { ConditionExpression: 'attribute_not_exists(tookOffAt)' }),
    },
  };
}

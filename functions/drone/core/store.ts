import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  type ScanCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type Assignment, assignmentSchema, type Drone, droneSchema, type Route } from './model.ts';
import type { DroneStore } from './store-port.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const DRONE_SK = 'DRONE';
const ASSIGNMENT_SK = 'ASSIGNMENT';

const droneKey = (droneId: string) => ({ pk: `DRONE#${droneId}`, sk: DRONE_SK });
const assignmentKey = (deliveryId: string) => ({ pk: `ASSIGNMENT#${deliveryId}`, sk: ASSIGNMENT_SK });

/** True when a write lost a race: a condition failed, or a concurrent transaction touched an item. */
function isConflict(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'TransactionCanceledException' || error.name === 'ConditionalCheckFailedException')
  );
}

/** The DynamoDB adapter of the drone table (`DRONE#<id>`/`DRONE`, `ASSIGNMENT#<deliveryId>`/`ASSIGNMENT`). */
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

  async function scanDrones(filter: Omit<ScanCommandInput, 'TableName'>) {
    const drones: Drone[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
          ...filter,
        }),
      );
      for (const item of page.Items ?? []) drones.push(droneSchema.parse(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return drones;
  }

  const freeDrone = (drone: Drone, deliveryId: string): TransactItem => ({
    Update: {
      TableName: tableName,
      Key: droneKey(drone.droneId),
      UpdateExpression: 'SET #state = :idle REMOVE deliveryId, #route',
      ConditionExpression: 'deliveryId = :deliveryId AND #state IN (:assigned, :headedToPickup)',
      ExpressionAttributeNames: { '#state': 'state', '#route': 'route' },
      ExpressionAttributeValues: {
        ':idle': 'Idle',
        ':deliveryId': deliveryId,
        ':assigned': 'Assigned',
        ':headedToPickup': 'HeadedToPickup',
      },
    },
  });

  const claimDrone = (drone: Drone, deliveryId: string, route: Route): TransactItem => ({
    Update: {
      TableName: tableName,
      Key: droneKey(drone.droneId),
      UpdateExpression: 'SET #state = :assigned, deliveryId = :deliveryId, #route = :route',
      ConditionExpression: '#state = :idle AND attribute_not_exists(deliveryId)',
      ExpressionAttributeNames: { '#state': 'state', '#route': 'route' },
      ExpressionAttributeValues: {
        ':assigned': 'Assigned',
        ':idle': 'Idle',
        ':deliveryId': deliveryId,
        ':route': route,
      },
    },
  });

  const putAssignment = (assignment: Assignment, previousVersion: number | undefined): TransactItem => ({
    Put: {
      TableName: tableName,
      Item: { ...assignmentKey(assignment.deliveryId), ...assignment },
      ...(previousVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': previousVersion },
          }),
    },
  });

  return {
    async getDrone(droneId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: droneKey(droneId), ConsistentRead: true }),
      );
      return Item ? droneSchema.parse(Item) : undefined;
    },

    listDrones() {
      return scanDrones({ FilterExpression: 'sk = :sk', ExpressionAttributeValues: { ':sk': DRONE_SK } });
    },

    listActiveDrones() {
      return scanDrones({
        FilterExpression: 'sk = :sk AND NOT (#state IN (:idle, :charging))',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sk': DRONE_SK, ':idle': 'Idle', ':charging': 'Charging' },
      });
    },

    async getAssignment(deliveryId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: assignmentKey(deliveryId), ConsistentRead: true }),
      );
      return Item ? assignmentSchema.parse(Item) : undefined;
    },

    createAssignment(drone, assignment, route) {
      return transact([
        claimDrone(drone, assignment.deliveryId, route),
        putAssignment(assignment, undefined),
      ]);
    },

    updateAssignment(previous, next, route) {
      return transact([
        {
          Update: {
            TableName: tableName,
            Key: droneKey(next.droneId),
            UpdateExpression: 'SET #route = :route',
            ConditionExpression: 'deliveryId = :deliveryId AND #state IN (:assigned, :headedToPickup)',
            ExpressionAttributeNames: { '#state': 'state', '#route': 'route' },
            ExpressionAttributeValues: {
              ':route': route,
              ':deliveryId': next.deliveryId,
              ':assigned': 'Assigned',
              ':headedToPickup': 'HeadedToPickup',
            },
          },
        },
        putAssignment(next, previous.version),
      ]);
    },

    moveAssignment(previous, oldDrone, next, newDrone, route) {
      return transact([
        ...(oldDrone ? [freeDrone(oldDrone, previous.deliveryId)] : []),
        claimDrone(newDrone, next.deliveryId, route),
        putAssignment(next, previous.version),
      ]);
    },

    deleteAssignment(assignment, drone) {
      return transact([
        ...(drone ? [freeDrone(drone, assignment.deliveryId)] : []),
        {
          Delete: {
            TableName: tableName,
            Key: assignmentKey(assignment.deliveryId),
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': assignment.version },
          },
        },
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
      if (finishing) names['#route'] = 'route';
      const droneUpdate: TransactItem = {
        Update: {
          TableName: tableName,
          Key: droneKey(previous.droneId),
          UpdateExpression: `SET ${sets.join(', ')}${finishing ? ' REMOVE deliveryId, #route' : ''}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      };
      if (!finishing || previous.deliveryId === undefined) return transact([droneUpdate]);
      return transact([
        droneUpdate,
        {
          // The assignment may already be gone (deleted by hand); it must not belong to another drone.
          Delete: {
            TableName: tableName,
            Key: assignmentKey(previous.deliveryId),
            ConditionExpression: 'attribute_not_exists(pk) OR droneId = :droneId',
            ExpressionAttributeValues: { ':droneId': previous.droneId },
          },
        },
      ]);
    },

    async putDroneIfAbsent(drone) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...droneKey(drone.droneId), ...drone },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw error;
      }
    },
  };
}

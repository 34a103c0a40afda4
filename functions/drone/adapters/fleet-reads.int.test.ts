import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignDrone } from '../core/assignment.ts';
import type { AssignmentRequest, Drone } from '../core/model.ts';
import { createDroneTestTable } from '../test-support/drone-table.ts';
import { droneItem, profileItemOf } from '../test-support/fixtures.ts';
import { createDroneStore } from './dynamodb-store.ts';

// What an assignment reads in a fleet of 2,000 drones spread over a region (about 67 km by 45 km
// around Seattle), against a Scan of the Drone table, the way every assignment read it before
// drones were looked up by cell. Read units as DynamoDB Local reports them (ReturnConsumedCapacity
// TOTAL), and a conservative figure that also counts DynamoDB's minimum charge for a read that
// finds nothing (0.5 unit eventually consistent, 1 consistent), which DynamoDB Local reports as 0.

const FLEET_SIZE = 2_000;
const NOW = Date.parse('2030-01-01T08:00:00.000Z');
const HOUR = 3_600_000;

let table: Awaited<ReturnType<typeof createDroneTestTable>>;

/** Read units of one call: as reported, and at least DynamoDB's minimum for the kind of read. */
interface Read {
  command: string;
  reported: number;
  conservative: number;
}

/** A document client whose every call asks for its consumed capacity and records the reads. */
function measuredClient(documentClient: typeof table.documentClient) {
  const reads: Read[] = [];
  documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { ReturnConsumedCapacity?: string; ConsistentRead?: boolean };
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const command = String(context.commandName);
      if (/^(Get|Query|Scan)/.test(command)) {
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity;
        const reported = consumed?.CapacityUnits ?? 0;
        const minimum = input.ConsistentRead ? 1 : 0.5;
        reads.push({ command, reported, conservative: Math.max(reported, minimum) });
      }
      return result;
    },
    { step: 'initialize', name: 'measureReadUnits' },
  );
  return reads;
}

/** A deterministic spread of the fleet: homes uniform over 0.6° × 0.6°, payloads 2 to 12 kg. */
function spreadFleet(): Drone[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: FLEET_SIZE }, (_, n) => {
    const home = { latitude: 47.3 + random() * 0.6, longitude: -122.6 + random() * 0.6, altitude: 0 };
    return {
      droneId: `fleet-${String(n).padStart(4, '0')}`,
      home,
      position: { ...home },
      batteryPercent: 100,
      payloadLimitKg: 2 + Math.floor(random() * 11),
      speedMps: 17 + Math.floor(random() * 8),
      state: 'Idle' as const,
    };
  });
}

async function seed(drones: Drone[]) {
  const items = drones.flatMap((d) => [droneItem(d), profileItemOf(d)]);
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  // A few writers at a time: DynamoDB Local shares the machine with the other tests.
  for (let i = 0; i < batches.length; i += 4) {
    await Promise.all(
      batches.slice(i, i + 4).map(async (batch) => {
        let pending = batch.map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const { UnprocessedItems } = await table.documentClient.send(
            new BatchWriteCommand({ RequestItems: { [table.tableName]: pending } }),
          );
          pending = (UnprocessedItems?.[table.tableName] ?? []) as typeof pending;
        }
      }),
    );
  }
}

const request = (pickupInMs: number): AssignmentRequest => ({
  pickup: { latitude: 47.61, longitude: -122.33, altitude: 0 },
  dropoff: { latitude: 47.63, longitude: -122.3, altitude: 0 },
  weightKg: 1.5,
  pickupTime: new Date(NOW + pickupInMs).toISOString(),
  deadline: new Date(NOW + pickupInMs + 2 * HOUR).toISOString(),
  expedited: false,
});

const sum = (reads: Read[], key: 'reported' | 'conservative') =>
  reads.reduce((total, read) => total + read[key], 0);

beforeAll(async () => {
  table = await createDroneTestTable('drone-fleet-reads');
  await seed(spreadFleet());
}, 180_000);

afterAll(async () => {
  await table.drop();
});

describe('an assignment in a fleet of 2,000 drones', () => {
  it('reads the drones near the pickup only: a few percent of the read units of a Scan', async () => {
    const reads = measuredClient(table.documentClient);
    const store = createDroneStore(table.documentClient, table.tableName);
    const deps = { store, now: () => new Date(NOW) };

    // A Scan of the table, consistent and paginated, as assignments read it before.
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await table.documentClient.send(
        new ScanCommand({ TableName: table.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const scan = reads.splice(0);

    await assignDrone(deps, 'fleet-first', request(HOUR));
    const first = reads.splice(0);
    // Ten more at the same time and place: the eleventh reads past ten drones booked then.
    for (let n = 0; n < 10; n++) await assignDrone(deps, `fleet-busy-${n}`, request(HOUR));
    reads.splice(0);
    await assignDrone(deps, 'fleet-eleventh', request(HOUR));
    const eleventh = reads.splice(0);

    const figures = {
      scan: { calls: scan.length, reported: sum(scan, 'reported'), conservative: sum(scan, 'conservative') },
      first: {
        calls: first.length,
        reported: sum(first, 'reported'),
        conservative: sum(first, 'conservative'),
      },
      eleventh: {
        calls: eleventh.length,
        reported: sum(eleventh, 'reported'),
        conservative: sum(eleventh, 'conservative'),
      },
    };
    console.info(`read units, fleet of ${FLEET_SIZE} drones: ${JSON.stringify(figures)}`);

    expect(figures.first.conservative).toBeLessThan(0.05 * figures.scan.reported);
    expect(figures.eleventh.conservative).toBeLessThan(0.1 * figures.scan.reported);
    expect(eleventh.filter((read) => read.command === 'ScanCommand')).toEqual([]);
  });
});

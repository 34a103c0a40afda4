// The resources that hold data and outlive any function: one table per service and the event
// bus with its archive. Kept apart so that changing a function never replaces a table.
import { Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { type Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { StageConfig } from '../stage-config.ts';
import { acknowledgeNagRule } from './nag-acknowledgements.ts';

export const SERVICES_WITH_TABLES = [
  'scheduler',
  'accounts',
  'package',
  'drone',
  'delivery',
  'history',
  'notifications',
] as const;
export type ServiceWithTable = (typeof SERVICES_WITH_TABLES)[number];

/** The Delivery table's index of an account's deliveries, newest first by `gsi1sk`. */
export const BY_ACCOUNT_INDEX = 'byAccount';

/**
 * The Scheduler table's sparse index of requests stored but not yet started by the workflow, due
 * for the sweeper by `sweepAt` (functions/scheduler/core/store.ts, UNSTARTED_INDEX, uses the same
 * names). Sparse: an item is in it only while it carries `sweepShard`, so it stays small.
 */
export const UNSTARTED_INDEX = 'unstarted';

/**
 * The Delivery table's sparse index of outboxes waiting to be published (shared/outbox.ts, OUTBOX_INDEX,
 * uses the same names): an item is in it only while it holds an outbox batch, so the outbox sweeper
 * finds the batches crashed calls left behind with one Query per shard. Keys only: the sweeper reads
 * the item itself, consistently, before it publishes.
 */
export const OUTBOX_INDEX = 'pendingOutbox';

/**
 * The Drone table's dispatch index (functions/drone/core/keys.ts, DISPATCH_INDEX, uses the same
 * names): drone profiles by the cell of their home, so an assignment reads the drones near the
 * pickup instead of scanning the fleet, and bookings not flown yet and drones in flight by time, for
 * the simulator. Sparse: only those items carry `dispatchPk`.
 */
export const DRONE_DISPATCH_INDEX = 'dispatch';

/** The tables and the bus. */
export class StatefulResources extends Construct {
  readonly tables: Readonly<Record<ServiceWithTable, Table>>;
  readonly bus: EventBus;
  readonly archive: Archive;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const tables = {} as Record<ServiceWithTable, Table>;
    for (const service of SERVICES_WITH_TABLES) {
      tables[service] = new Table(this, `${pascal(service)}Table`, {
        partitionKey: { name: 'pk', type: AttributeType.STRING },
        sortKey: { name: 'sk', type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        // Items that should not live forever (idempotency keys) carry `expiresAt`; others never expire.
        timeToLiveAttribute: 'expiresAt',
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: config.pointInTimeRecovery },
        deletionProtection: config.deletionProtection,
        removalPolicy: config.removalPolicy,
      });
      if (!config.pointInTimeRecovery) {
        acknowledgeNagRule(
          tables[service],
          'DDB3',
          `Stage ${config.stage} holds throwaway data (seeded on deploy); production stages enable PITR`,
        );
      }
    }
    tables.delivery.addGlobalSecondaryIndex({
      indexName: BY_ACCOUNT_INDEX,
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    tables.delivery.addGlobalSecondaryIndex({
      indexName: OUTBOX_INDEX,
      partitionKey: { name: 'outboxShard', type: AttributeType.STRING },
      sortKey: { name: 'outboxSince', type: AttributeType.STRING },
      projectionType: ProjectionType.KEYS_ONLY,
    });
    tables.drone.addGlobalSecondaryIndex({
      indexName: OUTBOX_INDEX,
      partitionKey: { name: 'outboxShard', type: AttributeType.STRING },
      sortKey: { name: 'outboxSince', type: AttributeType.STRING },
      // The same index on the Drone table, for the drone outbox sweeper (functions/drone/core/outbox-sweeper.ts).
      // Keys only there too: every report rewrites the drone item, and with more attributes projected
      // the index would be rewritten with it for as long as a batch stays marked.
      projectionType: ProjectionType.KEYS_ONLY,
    });
    tables.drone.addGlobalSecondaryIndex({
      indexName: DRONE_DISPATCH_INDEX,
      partitionKey: { name: 'dispatchPk', type: AttributeType.STRING },
      sortKey: { name: 'dispatchSk', type: AttributeType.STRING },
      // What an assignment plans with (a profile) and what the simulator needs to find a flight. A
      // flying drone's reports change none of these, so they do not rewrite the index.
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['droneId', 'deliveryId', 'home', 'speedMps', 'payloadLimitKg', 'readyAt', 'version'],
    });
    tables.scheduler.addGlobalSecondaryIndex({
      indexName: UNSTARTED_INDEX,
      partitionKey: { name: 'sweepShard', type: AttributeType.STRING },
      sortKey: { name: 'sweepAt', type: AttributeType.STRING },
      // Only what the sweeper rebuilds a queue message from: the request bodies stay in the table.
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: ['deliveryId', 'requestId', 'accountId', 'correlationId', 'sweepAttempts'],
    });
    this.tables = tables;

    this.bus = new EventBus(this, 'Bus', { eventBusName: Stack.of(this).stackName });
    // Every event of the bus, so that any day of the retention period can be replayed.
    this.archive = this.bus.archive('Archive', {
      description: `All events of ${Stack.of(this).stackName}`,
      eventPattern: { account: [Stack.of(this).account] },
      retention: config.archiveRetention,
    });
  }
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

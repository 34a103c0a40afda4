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

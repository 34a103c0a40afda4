// Creates the template's DynamoDB tables in DynamoDB Local.
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  type ProvisionedThroughput,
  paginateListTables,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { LocalLogger, ResolvedResource } from '../model.ts';

export const TABLE_TYPES: ReadonlySet<string> = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
]);

type Props = Record<string, unknown>;

function throughput(value: unknown): ProvisionedThroughput {
  const props = (value ?? {}) as Props;
  // A provisioned table without throughput in the template gets CloudFormation's usual minimum.
  return {
    ReadCapacityUnits: Number(props.ReadCapacityUnits ?? 5),
    WriteCapacityUnits: Number(props.WriteCapacityUnits ?? 5),
  };
}

function keySchema(value: unknown): KeySchemaElement[] {
  return ((value ?? []) as Props[]).map((key) => ({
    AttributeName: String(key.AttributeName),
    KeyType: String(key.KeyType) as KeySchemaElement['KeyType'],
  }));
}

function projection(value: unknown): Projection {
  const props = (value ?? {}) as Props;
  return {
    ...(props.ProjectionType !== undefined
      ? { ProjectionType: props.ProjectionType as Projection['ProjectionType'] }
      : {}),
    ...(props.NonKeyAttributes !== undefined
      ? { NonKeyAttributes: (props.NonKeyAttributes as unknown[]).map(String) }
      : {}),
  };
}

/** Translates a table resource's properties to a CreateTable request. */
export function createTableInput(resource: ResolvedResource): CreateTableCommandInput {
  const props = resource.properties;
  // AWS::DynamoDB::GlobalTable is on demand unless it says otherwise; AWS::DynamoDB::Table is provisioned.
  const defaultMode = resource.type === 'AWS::DynamoDB::GlobalTable' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
  const billingMode = String(props.BillingMode ?? defaultMode) as 'PAY_PER_REQUEST' | 'PROVISIONED';
  const provisioned = billingMode === 'PROVISIONED';
  const input: CreateTableCommandInput = {
    TableName: resource.physicalName,
    KeySchema: keySchema(props.KeySchema),
    AttributeDefinitions: ((props.AttributeDefinitions ?? []) as Props[]).map(
      (definition): AttributeDefinition => ({
        AttributeName: String(definition.AttributeName),
        AttributeType: String(definition.AttributeType) as AttributeDefinition['AttributeType'],
      }),
    ),
    BillingMode: billingMode,
  };
  if (provisioned) input.ProvisionedThroughput = throughput(props.ProvisionedThroughput);
  const gsis = (props.GlobalSecondaryIndexes ?? []) as Props[];
  if (gsis.length > 0) {
    input.GlobalSecondaryIndexes = gsis.map(
      (index): GlobalSecondaryIndex => ({
        IndexName: String(index.IndexName),
        KeySchema: keySchema(index.KeySchema),
        Projection: projection(index.Projection),
        ...(provisioned ? { ProvisionedThroughput: throughput(index.ProvisionedThroughput) } : {}),
      }),
    );
  }
  const lsis = (props.LocalSecondaryIndexes ?? []) as Props[];
  if (lsis.length > 0) {
    input.LocalSecondaryIndexes = lsis.map(
      (index): LocalSecondaryIndex => ({
        IndexName: String(index.IndexName),
        KeySchema: keySchema(index.KeySchema),
        Projection: projection(index.Projection),
      }),
    );
  }
  const stream = props.StreamSpecification as Props | undefined;
  if (stream?.StreamViewType !== undefined) {
    input.StreamSpecification = {
      StreamEnabled: true,
      StreamViewType: String(stream.StreamViewType) as
        | 'NEW_IMAGE'
        | 'OLD_IMAGE'
        | 'NEW_AND_OLD_IMAGES'
        | 'KEYS_ONLY',
    };
  }
  return input;
}

async function existingTables(client: DynamoDBClient): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const page of paginateListTables({ client }, {})) {
    for (const name of page.TableNames ?? []) names.add(name);
  }
  return names;
}

/** Creates every table of the template that DynamoDB Local does not have yet; keeps existing ones and their data. */
export async function ensureTables(
  client: DynamoDBClient,
  resources: Iterable<ResolvedResource>,
  log: LocalLogger,
): Promise<{ created: string[]; kept: string[] }> {
  const existing = await existingTables(client);
  const created: string[] = [];
  const kept: string[] = [];
  for (const resource of resources) {
    if (!TABLE_TYPES.has(resource.type)) continue;
    const name = resource.physicalName;
    if (existing.has(name)) {
      kept.push(name);
      continue;
    }
    await client.send(new CreateTableCommand(createTableInput(resource)));
    created.push(name);
    const ttl = resource.properties.TimeToLiveSpecification as Props | undefined;
    if (ttl?.AttributeName !== undefined && String(ttl.Enabled) === 'true') {
      try {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: String(ttl.AttributeName), Enabled: true },
          }),
        );
      } catch (error) {
        // TTL only deletes expired items; a DynamoDB Local without it still runs the app.
        log.warn('time to live not set', { table: name, error: (error as Error).message });
      }
    }
  }
  if (created.length > 0 || kept.length > 0) log.info('dynamodb tables ready', { created, kept });
  return { created, kept };
}

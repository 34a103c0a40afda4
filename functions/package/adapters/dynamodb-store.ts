import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type PackageStore, packageSchema } from '../core/packages.ts';

const key = (deliveryId: string) => ({ pk: `PACKAGE#${deliveryId}`, sk: 'PACKAGE' });

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The DynamoDB adapter of the package table (`PACKAGE#<deliveryId>`/`PACKAGE`). */
export function createPackageStore(client: DynamoDBDocumentClient, tableName: string): PackageStore {
  return {
    async get(deliveryId) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: key(deliveryId), ConsistentRead: true }),
      );
      return Item ? packageSchema.parse(Item) : undefined;
    },

    async upsert(pkg, now) {
      // `size` and `status` are reserved words in DynamoDB expressions, hence the name aliases.
      const sets = [
        'packageId = :packageId',
        'deliveryId = :deliveryId',
        'accountId = :accountId',
        '#size = :size',
        'weightKg = :weightKg',
        '#status = :status',
        'updatedAt = :now',
        'createdAt = if_not_exists(createdAt, :now)',
        ...(pkg.tag === undefined ? [] : ['tag = :tag']),
      ];
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(pkg.deliveryId),
            UpdateExpression: `SET ${sets.join(', ')}${pkg.tag === undefined ? ' REMOVE tag' : ''}`,
            ConditionExpression: 'attribute_not_exists(pk) OR accountId = :accountId',
            ExpressionAttributeNames: { '#status': 'status', '#size': 'size' },
            ExpressionAttributeValues: {
              ':packageId': pkg.packageId,
              ':deliveryId': pkg.deliveryId,
              ':accountId': pkg.accountId,
              ':size': pkg.size,
              ':weightKg': pkg.weightKg,
              ':status': pkg.status,
              ':now': now,
              ...(pkg.tag === undefined ? {} : { ':tag': pkg.tag }),
            },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },

    async cancel(deliveryId, now) {
      try {
        const { Attributes } = await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: key(deliveryId),
            UpdateExpression: 'SET #status = :cancelled, updatedAt = :now',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':cancelled': 'Cancelled', ':now': now },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return packageSchema.parse(Attributes);
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },
  };
}

import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type AccountStore, accountSchema } from '../core/accounts.ts';

const key = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: 'PROFILE' });

/** The DynamoDB adapter of the accounts table (`ACCOUNT#<id>`/`PROFILE`). */
export function createAccountStore(client: DynamoDBDocumentClient, tableName: string): AccountStore {
  return {
    async get(accountId) {
      const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: key(accountId) }));
      return Item ? accountSchema.parse(Item) : undefined;
    },
    async putIfAbsent(account) {
      try {
        await client.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...key(account.accountId), ...account },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
  };
}

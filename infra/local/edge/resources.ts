/** One IAM check a request needs: an action on a resource. */
export interface AccessCheck {
  action: string;
  resource: string;
}

interface Scope {
  region: string;
  accountId: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The ARN of a DynamoDB table given by name (or already by ARN). */
export function tableArn(table: string, scope: Scope): string {
  return table.startsWith('arn:')
    ? table
    : `arn:aws:dynamodb:${scope.region}:${scope.accountId}:table/${table}`;
}

const TRANSACT_WRITE_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

const PARTIQL_ACTIONS: Record<string, string> = {
  SELECT: 'dynamodb:PartiQLSelect',
  INSERT: 'dynamodb:PartiQLInsert',
  UPDATE: 'dynamodb:PartiQLUpdate',
  DELETE: 'dynamodb:PartiQLDelete',
};

function partiqlCheck(statement: unknown, scope: Scope): AccessCheck {
  const text = typeof statement === 'string' ? statement.trim() : '';
  const verb = text.split(/\s+/)[0]?.toUpperCase() ?? '';
  const table = /\b(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_.-]+)"?/i.exec(text)?.[1];
  return {
    action: PARTIQL_ACTIONS[verb] ?? 'dynamodb:PartiQLSelect',
    resource: table ? tableArn(table, scope) : '*',
  };
}

/** The IAM checks AWS makes for a DynamoDB (or DynamoDB Streams) JSON request. */
export function dynamodbChecks(operation: string, body: unknown, scope: Scope): AccessCheck[] {
  const input = isRecord(body) ? body : {};
  const action = `dynamodb:${operation}`;
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(isRecord(input.RequestItems) ? input.RequestItems : {}).map((table) => ({
        action,
        resource: tableArn(table, scope),
      }));
    case 'TransactWriteItems':
    case 'TransactGetItems':
      return (Array.isArray(input.TransactItems) ? input.TransactItems : []).flatMap(
        (item): AccessCheck[] => {
          if (!isRecord(item)) return [];
          return Object.entries(item).flatMap(([kind, detail]) => {
            if (!isRecord(detail) || typeof detail.TableName !== 'string') return [];
            const itemAction =
              operation === 'TransactGetItems' ? 'dynamodb:GetItem' : TRANSACT_WRITE_ACTIONS[kind];
            return itemAction ? [{ action: itemAction, resource: tableArn(detail.TableName, scope) }] : [];
          });
        },
      );
    case 'ExecuteStatement':
      return [partiqlCheck(input.Statement, scope)];
    case 'BatchExecuteStatement':
    case 'ExecuteTransaction': {
      const list = operation === 'BatchExecuteStatement' ? input.Statements : input.TransactStatements;
      return (Array.isArray(list) ? list : []).map((entry) =>
        partiqlCheck(isRecord(entry) ? entry.Statement : undefined, scope),
      );
    }
  }
  if (typeof input.TableName === 'string') {
    const table = tableArn(input.TableName, scope);
    const index = typeof input.IndexName === 'string' ? `${table}/index/${input.IndexName}` : undefined;
    return [{ action, resource: index ?? table }];
  }
  if (typeof input.ResourceArn === 'string') return [{ action, resource: input.ResourceArn }];
  if (typeof input.StreamArn === 'string') return [{ action, resource: input.StreamArn }];
  return [{ action, resource: '*' }];
}

/** The queue ARN a queue URL (`http://host/<account>/<name>`) stands for. */
export function queueArnFromUrl(queueUrl: string, scope: Scope): string | undefined {
  let path: string;
  try {
    path = new URL(queueUrl).pathname;
  } catch {
    return undefined;
  }
  const [account, name] = path.split('/').filter(Boolean).slice(-2);
  if (!account || !name) return undefined;
  return `arn:aws:sqs:${scope.region}:${account}:${name}`;
}

/** The IAM checks AWS makes for an SQS JSON-protocol request (batch calls need the single call's action). */
export function sqsChecks(operation: string, body: unknown, scope: Scope): AccessCheck[] {
  const input = isRecord(body) ? body : {};
  const action = `sqs:${operation.replace(/Batch$/, '')}`;
  if (typeof input.QueueUrl === 'string') {
    return [{ action, resource: queueArnFromUrl(input.QueueUrl, scope) ?? input.QueueUrl }];
  }
  if (typeof input.QueueName === 'string') {
    const account =
      typeof input.QueueOwnerAWSAccountId === 'string' ? input.QueueOwnerAWSAccountId : scope.accountId;
    return [{ action, resource: `arn:aws:sqs:${scope.region}:${account}:${input.QueueName}` }];
  }
  return [{ action, resource: '*' }];
}

// Metering of one DynamoDB call the edge forwards to DynamoDB Local. The units come from DynamoDB Local
// itself: the edge asks for `ReturnConsumedCapacity: TOTAL` (DynamoDB Local reports it as DynamoDB does:
// 2 units for a 1.5 KB put, halves for eventually consistent reads, doubles in transactions) and takes
// the figure off the answer again when the caller did not ask, so callers see what AWS would send.
// A conditional write that fails still consumes write units on AWS (the existing item's size, at least
// one), but DynamoDB Local then reports none: the edge asks for the existing item
// (`ReturnValuesOnConditionCheckFailure: ALL_OLD`) and computes them (capacity.ts). An answer without a
// figure is metered by the same rules, and a read that found nothing at DynamoDB's minimum.

import { estimateCapacity, itemSize, type TableUnits, writeUnits } from './capacity.ts';
import type { Meter } from './meter.ts';

/** The call as forwarded, and how to read (and give back) its answer. */
export interface MeteredExchange {
  /** The request body to forward. */
  body: Buffer;
  /** Meters the answer and returns its text as the caller is to see it. */
  answer(text: string, status: number): string;
}

const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const SINGLE_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);
const ASKED = new Set(['TOTAL', 'INDEXES']);

type Body = Record<string, unknown>;

function parseObject(text: string): Body | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : undefined;
  } catch {
    return undefined;
  }
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The units of a `ConsumedCapacity` answer (one object, or a list for batches and transactions). */
export function reportedUnits(operation: string, consumed: unknown): Map<string, TableUnits> {
  const units = new Map<string, TableUnits>();
  const entries = Array.isArray(consumed) ? consumed : [consumed];
  for (const value of entries) {
    if (typeof value !== 'object' || value === null) continue;
    const entry = value as Body;
    if (typeof entry.TableName !== 'string') continue;
    const total = numberOf(entry.CapacityUnits) ?? 0;
    const read = numberOf(entry.ReadCapacityUnits) ?? (READS.has(operation) ? total : 0);
    const write = numberOf(entry.WriteCapacityUnits) ?? (WRITES.has(operation) ? total : 0);
    const current = units.get(entry.TableName) ?? { readUnits: 0, writeUnits: 0 };
    units.set(entry.TableName, {
      readUnits: current.readUnits + read,
      writeUnits: current.writeUnits + write,
    });
  }
  return units;
}

/**
 * The least a read consumes on DynamoDB: a read that finds nothing still reads one block (half a unit
 * eventually consistent, one strongly), per Query or Scan page and per key of a BatchGetItem. DynamoDB
 * Local reports 0 for those.
 */
export function minimumReadUnits(operation: string, request: Body): Map<string, number> {
  const floor = (consistent: unknown) => (consistent === true ? 1 : 0.5);
  const minimum = new Map<string, number>();
  if (['GetItem', 'Query', 'Scan'].includes(operation) && typeof request.TableName === 'string') {
    minimum.set(request.TableName, floor(request.ConsistentRead));
  }
  if (operation === 'BatchGetItem' && typeof request.RequestItems === 'object' && request.RequestItems) {
    for (const [table, asked] of Object.entries(request.RequestItems as Record<string, Body>)) {
      const keys = Array.isArray(asked?.Keys) ? asked.Keys.length : 0;
      minimum.set(table, keys * floor(asked?.ConsistentRead));
    }
  }
  return minimum;
}

/** Prepares a DynamoDB call for metering; undefined for operations that consume no capacity. */
export function meterDynamoDbCall(
  meter: Pick<Meter, 'capacity'>,
  operation: string,
  body: Buffer,
): MeteredExchange | undefined {
  if (!READS.has(operation) && !WRITES.has(operation)) return undefined;
  const request = parseObject(body.toString('utf8'));
  // Not JSON: DynamoDB Local refuses it as it is, and nothing is consumed.
  if (!request) return undefined;
  const callerAsked = ASKED.has(String(request.ReturnConsumedCapacity));
  const askOld =
    SINGLE_WRITES.has(operation) &&
    typeof request.ConditionExpression === 'string' &&
    request.ReturnValuesOnConditionCheckFailure === undefined;
  const forwarded = {
    ...request,
    ...(callerAsked ? {} : { ReturnConsumedCapacity: 'TOTAL' }),
    ...(askOld ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
  };

  const record = (units: Map<string, TableUnits>, estimated: boolean) => {
    for (const [table, tableUnits] of units) meter.capacity(table, tableUnits, { estimated });
  };

  return {
    body: callerAsked && !askOld ? body : Buffer.from(JSON.stringify(forwarded)),
    answer(text, status) {
      const answer = parseObject(text);
      if (!answer) return text;
      if (status < 300) {
        const reported = answer.ConsumedCapacity !== undefined;
        const units = reported
          ? reportedUnits(operation, answer.ConsumedCapacity)
          : estimateCapacity(operation, request, answer);
        for (const [table, least] of minimumReadUnits(operation, request)) {
          const tableUnits = units.get(table) ?? { readUnits: 0, writeUnits: 0 };
          units.set(table, { ...tableUnits, readUnits: Math.max(tableUnits.readUnits, least) });
        }
        record(units, !reported);
        if (callerAsked || answer.ConsumedCapacity === undefined) return text;
        delete answer.ConsumedCapacity;
        return JSON.stringify(answer);
      }
      const type = String(answer.__type ?? '');
      if (!SINGLE_WRITES.has(operation) || !type.endsWith('#ConditionalCheckFailedException')) return text;
      // The existing item's size, or one unit when there was none.
      if (typeof request.TableName === 'string') {
        const units = { readUnits: 0, writeUnits: writeUnits(itemSize(answer.Item)) };
        meter.capacity(request.TableName, units, { estimated: true });
      }
      if (!askOld || answer.Item === undefined) return text;
      delete answer.Item;
      return JSON.stringify(answer);
    },
  };
}

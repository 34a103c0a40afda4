// DynamoDB's read and write units computed from item sizes, by the rules AWS documents ("Item sizes and
// formats", "Capacity unit consumption"): what the meter falls back on when an answer carries no
// consumed capacity, such as a conditional write that failed.

/** A DynamoDB attribute value in the wire format (`{"S": "…"}`, `{"N": "…"}`, `{"M": {…}}`, …). */
export type AttributeValue = Record<string, unknown>;

/** Read and write units of one table. */
export interface TableUnits {
  readUnits: number;
  writeUnits: number;
}

const KB = 1024;
/** A write unit covers 1 KB of item. */
export const WRITE_UNIT_BYTES = KB;
/** A read unit covers 4 KB of item, read strongly consistent. */
export const READ_UNIT_BYTES = 4 * KB;
// A list or a map costs 3 bytes whatever it holds, and each element 1 byte more.
const CONTAINER_BYTES = 3;
const ELEMENT_BYTES = 1;

function utf8(text: unknown): number {
  return typeof text === 'string' ? Buffer.byteLength(text) : 0;
}

// About one byte per two significant digits plus one; leading and trailing zeros are not stored.
function numberSize(text: unknown): number {
  if (typeof text !== 'string') return 0;
  const mantissa = text.replace(/^[+-]/, '').split(/[eE]/)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function binarySize(base64: unknown): number {
  return typeof base64 === 'string' ? Buffer.from(base64, 'base64').length : 0;
}

/** The stored size of one attribute value in bytes (without its name). */
export function valueSize(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const typed = value as AttributeValue;
  if ('S' in typed) return utf8(typed.S);
  if ('N' in typed) return numberSize(typed.N);
  if ('B' in typed) return binarySize(typed.B);
  if ('BOOL' in typed || 'NULL' in typed) return 1;
  if (Array.isArray(typed.SS)) return typed.SS.reduce<number>((sum, item) => sum + utf8(item), 0);
  if (Array.isArray(typed.NS)) return typed.NS.reduce<number>((sum, item) => sum + numberSize(item), 0);
  if (Array.isArray(typed.BS)) return typed.BS.reduce<number>((sum, item) => sum + binarySize(item), 0);
  if (Array.isArray(typed.L)) {
    return typed.L.reduce<number>((sum, item) => sum + ELEMENT_BYTES + valueSize(item), CONTAINER_BYTES);
  }
  if (typeof typed.M === 'object' && typed.M !== null) {
    const entries = Object.entries(typed.M as Record<string, unknown>);
    return entries.reduce(
      (sum, [name, item]) => sum + ELEMENT_BYTES + utf8(name) + valueSize(item),
      CONTAINER_BYTES,
    );
  }
  return 0;
}

/** An item's size in bytes: every attribute's name and value. */
export function itemSize(item: unknown): number {
  if (typeof item !== 'object' || item === null) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8(name) + valueSize(value);
  return size;
}

/** Write units of one item write: 1 per started KB, at least 1; a transactional write counts double. */
export function writeUnits(itemBytes: number, options: { transactional?: boolean } = {}): number {
  const units = Math.max(1, Math.ceil(itemBytes / WRITE_UNIT_BYTES));
  return options.transactional ? units * 2 : units;
}

/**
 * Read units of reading `itemBytes`: 1 per started 4 KB strongly consistent, half of that eventually
 * consistent, double transactional; at least one 4 KB block is read even for nothing.
 */
export function readUnits(
  itemBytes: number,
  options: { consistent?: boolean; transactional?: boolean } = {},
): number {
  const blocks = Math.max(1, Math.ceil(itemBytes / READ_UNIT_BYTES));
  if (options.transactional) return blocks * 2;
  return options.consistent ? blocks : blocks / 2;
}

type Body = Record<string, unknown>;

function record(value: unknown): Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Body) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function add(units: Map<string, TableUnits>, table: unknown, read: number, write: number): void {
  if (typeof table !== 'string' || table === '') return;
  const current = units.get(table) ?? { readUnits: 0, writeUnits: 0 };
  current.readUnits += read;
  current.writeUnits += write;
  units.set(table, current);
}

/**
 * The units an operation consumed, per table, computed from its request and its answer. Writes whose
 * stored item the answer does not show (updates, deletes) are counted at their key's size, the least
 * they can cost.
 */
export function estimateCapacity(operation: string, request: Body, answer: Body): Map<string, TableUnits> {
  const units = new Map<string, TableUnits>();
  const consistent = request.ConsistentRead === true;
  switch (operation) {
    case 'PutItem':
      add(units, request.TableName, 0, writeUnits(itemSize(request.Item)));
      break;
    case 'UpdateItem':
    case 'DeleteItem':
      add(units, request.TableName, 0, writeUnits(itemSize(request.Key)));
      break;
    case 'GetItem':
      add(units, request.TableName, readUnits(itemSize(answer.Item), { consistent }), 0);
      break;
    case 'Query':
    case 'Scan': {
      // One read of everything the page went through, rounded once (not item by item).
      const bytes = list(answer.Items).reduce<number>((sum, item) => sum + itemSize(item), 0);
      add(units, request.TableName, readUnits(bytes, { consistent }), 0);
      break;
    }
    case 'BatchGetItem':
      for (const [table, items] of Object.entries(record(answer.Responses))) {
        const asked = record(record(request.RequestItems)[table]);
        for (const item of list(items)) {
          add(units, table, readUnits(itemSize(item), { consistent: asked.ConsistentRead === true }), 0);
        }
      }
      break;
    case 'BatchWriteItem':
      for (const [table, writes] of Object.entries(record(request.RequestItems))) {
        for (const write of list(writes)) {
          const put = record(record(write).PutRequest).Item;
          const key = record(record(write).DeleteRequest).Key;
          add(units, table, 0, writeUnits(itemSize(put ?? key)));
        }
      }
      break;
    case 'TransactGetItems': {
      const responses = list(answer.Responses);
      list(request.TransactItems).forEach((action, index) => {
        const get = record(record(action).Get);
        const item = record(responses[index]).Item;
        add(units, get.TableName, readUnits(itemSize(item), { transactional: true }), 0);
      });
      break;
    }
    case 'TransactWriteItems':
      for (const action of list(request.TransactItems)) {
        for (const [kind, detail] of Object.entries(record(action))) {
          const body = record(detail);
          const bytes = itemSize(kind === 'Put' ? body.Item : body.Key);
          add(units, body.TableName, 0, writeUnits(bytes, { transactional: true }));
        }
      }
      break;
  }
  return units;
}

import { describe, expect, it } from 'vitest';
import { estimateCapacity, itemSize, readUnits, valueSize, writeUnits } from './capacity.ts';

const KB = 1024;

/** An item of exactly `bytes` bytes: `pk` = "a" (3 bytes) and a string attribute filling the rest. */
function itemOf(bytes: number): Record<string, unknown> {
  return { pk: { S: 'a' }, data: { S: 'x'.repeat(bytes - 3 - 4) } };
}

describe('itemSize', () => {
  it('adds up attribute names and values', () => {
    // Prepare
    const item = { pk: { S: 'héllo' }, flag: { BOOL: true }, none: { NULL: true } };
    // Act
    const size = itemSize(item);
    // Assess: "pk" 2 + "héllo" 6, "flag" 4 + 1, "none" 4 + 1
    expect(size).toBe(18);
  });

  it('builds test items of the size asked', () => {
    // Act
    const size = itemSize(itemOf(1536));
    // Assess
    expect(size).toBe(1536);
  });

  it.each([
    ['0', 2],
    ['7', 2],
    ['12', 2],
    ['123', 3],
    ['-1234.5600', 4],
    ['0.000123', 3],
    ['1.5E+10', 2],
  ])('counts the number %s as %i bytes (a byte per two significant digits, plus one)', (number, bytes) => {
    // Act
    const size = valueSize({ N: number });
    // Assess
    expect(size).toBe(bytes);
  });

  it('counts 3 bytes for a list or map and 1 per element', () => {
    // Prepare
    const value = { M: { a: { S: 'xy' }, list: { L: [{ N: '1' }, { BOOL: false }] } } };
    // Act
    const size = valueSize(value);
    // Assess: map 3 + (1 + "a" 1 + 2) + (1 + "list" 4 + (list 3 + (1 + 2) + (1 + 1)))
    expect(size).toBe(3 + 4 + 5 + 8);
  });

  it('counts binary values decoded, and sets as the sum of their elements', () => {
    // Prepare
    const item = {
      b: { B: Buffer.from('abcd').toString('base64') },
      ss: { SS: ['ab', 'c'] },
      ns: { NS: ['1', '22'] },
      bs: { BS: [Buffer.from('xyz').toString('base64')] },
    };
    // Act
    const size = itemSize(item);
    // Assess
    expect(size).toBe(1 + 4 + (2 + 3) + (2 + 4) + (2 + 3));
  });
});

describe('writeUnits and readUnits', () => {
  it.each([
    [1, 1],
    [1024, 1],
    [1025, 2],
    [1536, 2],
    [3 * KB, 3],
  ])('writes %i bytes for %i unit(s)', (bytes, units) => {
    // Act
    const consumed = writeUnits(bytes);
    // Assess
    expect(consumed).toBe(units);
  });

  it('doubles a transactional write', () => {
    // Act
    const consumed = writeUnits(3 * KB, { transactional: true });
    // Assess
    expect(consumed).toBe(6);
  });

  it.each([
    ['eventually consistent', 3500, {}, 0.5],
    ['strongly consistent', 3500, { consistent: true }, 1],
    ['eventually consistent, 8 KB', 8 * KB, {}, 1],
    ['strongly consistent, 8 KB', 8 * KB, { consistent: true }, 2],
    ['transactional, 8 KB', 8 * KB, { transactional: true }, 4],
    ['eventually consistent, nothing found', 0, {}, 0.5],
  ])('reads %s for the documented units', (_name, bytes, options, units) => {
    // Act
    const consumed = readUnits(bytes, options);
    // Assess
    expect(consumed).toBe(units);
  });
});

describe('estimateCapacity', () => {
  it('counts one PutItem of 1.5 KB as 2 write units', () => {
    // Act
    const units = estimateCapacity('PutItem', { TableName: 'Orders', Item: itemOf(1536) }, {});
    // Assess
    expect(Object.fromEntries(units)).toEqual({ Orders: { readUnits: 0, writeUnits: 2 } });
  });

  it('counts an update or a delete at their key, the least they cost', () => {
    // Act
    const update = estimateCapacity('UpdateItem', { TableName: 'Orders', Key: { pk: { S: 'a' } } }, {});
    const remove = estimateCapacity('DeleteItem', { TableName: 'Orders', Key: { pk: { S: 'a' } } }, {});
    // Assess
    expect(update.get('Orders')).toEqual({ readUnits: 0, writeUnits: 1 });
    expect(remove.get('Orders')).toEqual({ readUnits: 0, writeUnits: 1 });
  });

  it('reads a GetItem by the item it found and its consistency', () => {
    // Act
    const eventual = estimateCapacity('GetItem', { TableName: 'T' }, { Item: itemOf(5 * KB) });
    const strong = estimateCapacity('GetItem', { TableName: 'T', ConsistentRead: true }, {});
    // Assess
    expect(eventual.get('T')).toEqual({ readUnits: 1, writeUnits: 0 });
    expect(strong.get('T')).toEqual({ readUnits: 1, writeUnits: 0 });
  });

  it('rounds a Query once over all its items', () => {
    // Prepare
    const answer = { Items: [itemOf(1536), itemOf(1536), itemOf(1536)] };
    // Act
    const units = estimateCapacity('Query', { TableName: 'T', ConsistentRead: true }, answer);
    // Assess: 4.5 KB read is two 4 KB blocks
    expect(units.get('T')).toEqual({ readUnits: 2, writeUnits: 0 });
  });

  it('rounds each item of a BatchGetItem on its own', () => {
    // Prepare
    const request = { RequestItems: { T: { Keys: [], ConsistentRead: true } } };
    const answer = { Responses: { T: [itemOf(1536), itemOf(6656)] } };
    // Act
    const units = estimateCapacity('BatchGetItem', request, answer);
    // Assess: 4 KB + 8 KB, not 8 KB
    expect(units.get('T')).toEqual({ readUnits: 3, writeUnits: 0 });
  });

  it('counts BatchWriteItem puts by item and deletes by key', () => {
    // Prepare
    const request = {
      RequestItems: {
        T: [{ PutRequest: { Item: itemOf(1536) } }, { DeleteRequest: { Key: { pk: { S: 'b' } } } }],
      },
    };
    // Act
    const units = estimateCapacity('BatchWriteItem', request, {});
    // Assess
    expect(units.get('T')).toEqual({ readUnits: 0, writeUnits: 3 });
  });

  it('doubles every action of a transaction', () => {
    // Prepare
    const writes = {
      TransactItems: [
        { Put: { TableName: 'A', Item: itemOf(1536) } },
        { ConditionCheck: { TableName: 'B', Key: { pk: { S: 'a' } } } },
      ],
    };
    const reads = { TransactItems: [{ Get: { TableName: 'A', Key: { pk: { S: 'a' } } } }] };
    // Act
    const written = estimateCapacity('TransactWriteItems', writes, {});
    const read = estimateCapacity('TransactGetItems', reads, { Responses: [{ Item: itemOf(1536) }] });
    // Assess
    expect(Object.fromEntries(written)).toEqual({
      A: { readUnits: 0, writeUnits: 4 },
      B: { readUnits: 0, writeUnits: 2 },
    });
    expect(read.get('A')).toEqual({ readUnits: 2, writeUnits: 0 });
  });

  it('counts nothing for an operation that reads or writes no item', () => {
    // Act
    const units = estimateCapacity('DescribeTable', { TableName: 'T' }, {});
    // Assess
    expect(units.size).toBe(0);
  });
});

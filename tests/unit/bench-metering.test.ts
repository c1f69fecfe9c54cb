import { describe, expect, it } from 'vitest';
import { describeProcess, processTree } from '../../scripts/bench/lib.js';
import {
  attributeValueBytes,
  billedEvents,
  eventEntryBytes,
  type IndexSchema,
  indexWriteUnits,
  itemBytes,
  itemWriteUnits,
  numberBytes,
  queryReadUnits,
  readUnitsFor,
  sampledPerSecond,
  sqsBilledRequests,
  type TableSchema,
  tracesPerOrder,
  writeUnitsFor,
} from '../../scripts/bench/metering.js';

describe('DynamoDB item size (AWS CapacityUnitCalculations rules)', () => {
  it('counts strings in UTF-8 bytes and attribute names too', () => {
    expect(itemBytes({ pk: { S: 'abc' } })).toBe(2 + 3);
    expect(itemBytes({ name: { S: 'é€' } })).toBe(4 + 2 + 3);
  });

  it('counts numbers as 1 byte per two significant digits + 1, trimming leading and trailing zeros', () => {
    expect(numberBytes('12345')).toBe(4);
    expect(numberBytes('1000000')).toBe(2);
    expect(numberBytes('-0.0012')).toBe(2);
    expect(numberBytes('0')).toBe(2);
    expect(numberBytes('123.45')).toBe(4);
  });

  it('counts binary as raw bytes, booleans and null as 1', () => {
    expect(attributeValueBytes({ B: Buffer.from('hello').toString('base64') })).toBe(5);
    expect(attributeValueBytes({ BOOL: false })).toBe(1);
    expect(attributeValueBytes({ NULL: true })).toBe(1);
  });

  it('gives lists and maps 3 bytes plus 1 byte per element', () => {
    expect(attributeValueBytes({ L: [] })).toBe(3);
    expect(attributeValueBytes({ M: {} })).toBe(3);
    expect(attributeValueBytes({ L: [{ S: 'ab' }, { N: '1' }] })).toBe(3 + (1 + 2) + (1 + 2));
    expect(attributeValueBytes({ M: { a: { S: 'xy' } } })).toBe(3 + 1 + 1 + 2);
  });

  it('sums sets by their members', () => {
    expect(attributeValueBytes({ SS: ['a', 'bc'] })).toBe(3);
    expect(attributeValueBytes({ NS: ['1', '12345'] })).toBe(2 + 4);
  });
});

describe('DynamoDB request units', () => {
  it('rounds writes up per started KB, at least 1, doubled in a transaction', () => {
    expect(writeUnitsFor(0)).toBe(1);
    expect(writeUnitsFor(1024)).toBe(1);
    expect(writeUnitsFor(1025)).toBe(2);
    expect(writeUnitsFor(900, true)).toBe(2);
    expect(writeUnitsFor(2500, true)).toBe(6);
  });

  it('rounds reads up per started 4 KB: 1 strong, ½ eventual, 2 transactional', () => {
    expect(readUnitsFor(0, 'strong')).toBe(1);
    expect(readUnitsFor(3500, 'strong')).toBe(1);
    expect(readUnitsFor(3500, 'eventual')).toBe(0.5);
    expect(readUnitsFor(8192, 'eventual')).toBe(1);
    expect(readUnitsFor(10_000, 'strong')).toBe(3);
    expect(readUnitsFor(100, 'transactional')).toBe(2);
  });

  it('sums a query’s items before rounding once, and counts items a filter dropped', () => {
    const item = { pk: { S: 'x'.repeat(998) } }; // 1,000 bytes
    expect(queryReadUnits([item, item, item], 'strong')).toBe(1); // 3,000 B → one 4 KB unit
    expect(queryReadUnits([item, item, item, item, item], 'eventual')).toBe(1); // 5,000 B → 2 × ½
    expect(queryReadUnits([item], 'strong', 5)).toBe(2); // 5 read, 1 returned
    expect(queryReadUnits([], 'eventual')).toBe(0.5);
  });

  const small = { pk: { S: 'order#1' }, status: { S: 'PLACED' } };
  const big = { pk: { S: 'order#1' }, body: { S: 'x'.repeat(1500) } };

  it('bills the larger of the before and after images, a delete by the deleted item', () => {
    expect(
      itemWriteUnits({ before: undefined, after: small, transactional: false, failed: false }).table,
    ).toBe(1);
    expect(itemWriteUnits({ before: big, after: small, transactional: false, failed: false }).table).toBe(2);
    expect(itemWriteUnits({ before: small, after: big, transactional: true, failed: false }).table).toBe(4);
    expect(itemWriteUnits({ before: big, after: undefined, transactional: false, failed: false }).table).toBe(
      2,
    );
  });

  it('still bills a failed condition, by the existing item, and a transaction’s ConditionCheck as a write', () => {
    expect(itemWriteUnits({ before: undefined, transactional: false, failed: true }).table).toBe(1);
    expect(itemWriteUnits({ before: big, transactional: false, failed: true }).table).toBe(2);
    expect(
      itemWriteUnits({
        before: small,
        after: small,
        transactional: true,
        failed: false,
        conditionCheck: true,
      }),
    ).toEqual({
      table: 2,
      indexes: 0,
    });
  });

  const byStatus: IndexSchema = { name: 'byStatus', hash: 'status', projection: 'KEYS_ONLY' };
  const schema: TableSchema = { key: { hash: 'pk' }, indexes: [byStatus] };

  it('writes a secondary index when an entry is put, changed or removed, twice when its key changes', () => {
    const placed = { pk: { S: 'o1' }, status: { S: 'PLACED' }, note: { S: 'n' } };
    const confirmed = { ...placed, status: { S: 'CONFIRMED' } };
    const noted = { ...placed, note: { S: 'other' } };
    const unindexed = { pk: { S: 'o1' } };
    expect(indexWriteUnits(undefined, placed, byStatus, schema.key)).toBe(1);
    expect(indexWriteUnits(placed, confirmed, byStatus, schema.key)).toBe(2);
    expect(indexWriteUnits(placed, noted, byStatus, schema.key)).toBe(0); // KEYS_ONLY: nothing projected changed
    expect(indexWriteUnits(placed, unindexed, byStatus, schema.key)).toBe(1);
    expect(indexWriteUnits(undefined, unindexed, byStatus, schema.key)).toBe(0);
    expect(
      itemWriteUnits({ before: placed, after: confirmed, transactional: true, failed: false }, schema),
    ).toEqual({
      table: 2,
      indexes: 2,
    });
    expect(
      itemWriteUnits({ before: placed, after: confirmed, transactional: false, failed: true }, schema),
    ).toEqual({
      table: 1,
      indexes: 0,
    });
  });
});

describe('EventBridge and SQS chunking', () => {
  it('sizes a PutEvents entry as Time (14) + Source + DetailType + Detail + Resources, one event per 64 KB', () => {
    const entry = { Source: 'orders', DetailType: 'OrderPlaced', Detail: '{"a":1}', Resources: ['arn:x'] };
    expect(eventEntryBytes(entry)).toBe(6 + 11 + 7 + 5);
    expect(eventEntryBytes({ ...entry, Time: new Date(0).toISOString() })).toBe(14 + 29);
    expect(billedEvents(100)).toBe(1);
    expect(billedEvents(64 * 1024)).toBe(1);
    expect(billedEvents(64 * 1024 + 1)).toBe(2);
    expect(billedEvents(256 * 1024)).toBe(4);
  });

  it('bills an SQS send per 64 KB chunk of its payload, a batch of small messages as one request', () => {
    expect(sqsBilledRequests('SendMessage', { MessageBody: 'x'.repeat(100) })).toBe(1);
    expect(sqsBilledRequests('SendMessage', { MessageBody: 'x'.repeat(70 * 1024) })).toBe(2);
    expect(
      sqsBilledRequests('SendMessage', {
        MessageBody: 'x'.repeat(64 * 1024 - 10),
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'abcdefgh' } },
      }),
    ).toBe(2);
    const entries = Array.from({ length: 10 }, () => ({ MessageBody: 'x'.repeat(1000) }));
    expect(sqsBilledRequests('SendMessageBatch', { Entries: entries })).toBe(1);
    const large = Array.from({ length: 10 }, () => ({ MessageBody: 'x'.repeat(20 * 1024) }));
    expect(sqsBilledRequests('SendMessageBatch', { Entries: large })).toBe(4);
    expect(sqsBilledRequests('DeleteMessage', {})).toBe(1);
  });
});

describe('X-Ray default sampling', () => {
  it('records the reservoir’s first request each second and 5% of the rest', () => {
    expect(sampledPerSecond(0)).toBe(0);
    expect(sampledPerSecond(0.01)).toBeCloseTo(0.01, 3); // nearly every rare request is the second's first
    expect(sampledPerSecond(100)).toBeCloseTo(1 + 0.05 * 99, 3);
  });

  it('turns trace-starting invocations per order into traces per order at a monthly volume', () => {
    // At 1M orders/month (0.386/s) one root per order per function is mostly inside the reservoir.
    const low = tracesPerOrder({ placeOrder: 1 });
    expect(low).toBeGreaterThan(0.8);
    expect(low).toBeLessThan(1);
    // At a huge volume the rate dominates: ≈ 5% per root.
    expect(tracesPerOrder({ placeOrder: 1, relay: 2 }, 1e12)).toBeCloseTo(0.15, 2);
  });
});

describe('local stack process tree', () => {
  it('collects a process and every descendant', () => {
    const parents = new Map([
      [10, 1],
      [11, 10],
      [12, 11],
      [13, 10],
      [20, 1],
    ]);
    expect(processTree(parents, 10).sort()).toEqual([10, 11, 12, 13]);
    expect(processTree(parents, 99)).toEqual([]);
  });

  it('names a process by its program and telling arguments', () => {
    expect(
      describeProcess(['/usr/bin/java', '-Xmx1g', '-Djava.library.path=/x', '-jar', '/a/DynamoDBLocal.jar']),
    ).toBe('java -jar DynamoDBLocal.jar');
    expect(
      describeProcess(['node', '/w/node_modules/.bin/sls', 'offline', 'start', '--stage', 'bench']),
    ).toBe('node sls offline start');
  });
});

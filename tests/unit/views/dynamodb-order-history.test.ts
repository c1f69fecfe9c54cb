import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbOrderHistory } from '../../../domains/views/adapters/dynamodb-order-history.js';
import { OrderHistoryConflict, type ProjectedOrder } from '../../../domains/views/model.js';
import { BadRequestError } from '../../../shared/errors.js';
import { LINES, T, TOTAL } from './fakes.js';

const TABLE = 'commerce-test-views';

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const history = new DynamoDbOrderHistory(client, TABLE);

const entry: ProjectedOrder = {
  orderId: 'ord-1',
  customerId: 'alice',
  status: 'CONFIRMED',
  items: LINES,
  total: TOTAL,
  createdAt: T.placed,
  updatedAt: T.confirmed,
  orderVersion: 2,
  placed: true,
  revision: 2,
};
/** How an entry is stored: keyed by order, and in the customer's index by "<createdAt>#<orderId>". */
const item = {
  pk: 'ORDER#ord-1',
  sk: 'ORDER',
  entityType: 'ORDER',
  ...entry,
  createdAtOrderId: `${T.placed}#ord-1`,
};
const lastKey = {
  pk: 'ORDER#ord-1',
  sk: 'ORDER',
  customerId: 'alice',
  createdAtOrderId: `${T.placed}#ord-1`,
};
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

beforeEach(() => {
  ddb.reset();
});

describe('get and save', () => {
  it('reads an entry consistently and returns it without its keys', async () => {
    ddb.on(GetCommand).resolves({ Item: item });

    expect(await history.get('ord-1')).toEqual(entry);
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'ORDER#ord-1', sk: 'ORDER' },
      ConsistentRead: true,
    });
  });

  it('creates an entry only if there is none', async () => {
    ddb.on(PutCommand).resolves({});

    await history.save({ ...entry, revision: 1 }, undefined);

    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...item, revision: 1 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('replaces an entry only if it is still at the revision read', async () => {
    ddb.on(PutCommand).resolves({});

    await history.save({ ...entry, revision: 3 }, 2);

    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...item, revision: 3 },
      ConditionExpression: '#revision = :expected',
      ExpressionAttributeNames: { '#revision': 'revision' },
      ExpressionAttributeValues: { ':expected': 2 },
    });
  });

  it('turns a failed condition into OrderHistoryConflict and lets other failures through', async () => {
    ddb
      .on(PutCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'changed', $metadata: {} }))
      .rejectsOnce(new Error('throttled'));

    await expect(history.save(entry, 1)).rejects.toBeInstanceOf(OrderHistoryConflict);
    await expect(history.save(entry, 1)).rejects.toThrow('throttled');
  });
});

describe('listByCustomer', () => {
  it('queries the customer index by the caller’s id, newest first, and round-trips the cursor', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [] });

    const first = await history.listByCustomer('alice', { limit: 1 });
    const second = await history.listByCustomer('alice', { limit: 1, cursor: first.nextCursor ?? undefined });

    expect(first.items).toEqual([entry]);
    expect(first.nextCursor).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]+$/));
    expect(second).toEqual({ items: [], nextCursor: null });
    const [q1, q2] = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    // the customer is in the key condition: no filter after the read, no other customer's items
    expect(q1).toEqual({
      TableName: TABLE,
      IndexName: 'byCustomer',
      KeyConditionExpression: '#partition = :partition',
      ExpressionAttributeNames: { '#partition': 'customerId' },
      ExpressionAttributeValues: { ':partition': 'alice' },
      ScanIndexForward: false,
      Limit: 1,
      ExclusiveStartKey: undefined,
    });
    expect(q2?.ExclusiveStartKey).toEqual(lastKey);
  });

  it('drops anything but the key from a cursor', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });

    await history.listByCustomer('alice', { limit: 5, cursor: cursorOf({ ...lastKey, revision: 99 }) });

    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual(lastKey);
  });

  it.each([
    ['another customer’s cursor', cursorOf({ ...lastKey, customerId: 'bob' })],
    ['not base64 JSON', 'not-a-cursor'],
    ['JSON that is not a key', cursorOf(['ORDER#ord-1'])],
    ['a key of another item type', cursorOf({ ...lastKey, sk: 'IDEMPOTENCY' })],
    ['a sort key of another order', cursorOf({ ...lastKey, createdAtOrderId: `${T.placed}#ord-2` })],
    ['a sort key that is not a timestamp', cursorOf({ ...lastKey, createdAtOrderId: 'zzz#ord-1' })],
    ['a non-canonical timestamp', cursorOf({ ...lastKey, createdAtOrderId: '2026-11-22T10:00:00Z#ord-1' })],
    [
      'a missing customer',
      cursorOf({ pk: lastKey.pk, sk: 'ORDER', createdAtOrderId: lastKey.createdAtOrderId }),
    ],
    ['an empty order id', cursorOf({ ...lastKey, pk: 'ORDER#', createdAtOrderId: `${T.placed}#` })],
  ])('refuses %s with a 400 before querying', async (_name, cursor) => {
    const attempt = history.listByCustomer('alice', { limit: 1, cursor });

    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
    await expect(attempt).rejects.toMatchObject({ status: 400 });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

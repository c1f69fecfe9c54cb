import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbOrderRepository } from '../../../domains/orders/adapters/dynamodb-order-repository.js';
import { DynamoDbPriceBook } from '../../../domains/orders/adapters/dynamodb-price-book.js';
import { IdempotencyKeyTaken, OrderVersionConflict } from '../../../domains/orders/model.js';
import { createEnvelope } from '../../../events/envelope.js';
import { OrderConfirmedV1, OrderPlacedV1 } from '../../../events/orders/index.js';
import { transactionConflict } from '../shared/dynamodb-errors.js';
import { writesSent } from '../shared/dynamodb-writes.js';
import { anOrder, eur, T0 } from './fakes.js';

const TABLE = 'commerce-test-orders';
const SOURCE = 'commerce.orders';

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const repository = new DynamoDbOrderRepository(client, TABLE, SOURCE);
const prices = new DynamoDbPriceBook(client, TABLE);

const order = anOrder();
const placed = createEnvelope(
  OrderPlacedV1,
  {
    orderId: order.orderId,
    customerId: order.customerId,
    items: order.items,
    total: order.total,
    paymentToken: 'tok_visa',
    placedAt: order.createdAt,
  },
  { correlationId: 'req-1', causationId: 'req-1' },
  { eventId: 'evt-placed-1', now: T0 },
);
/** How a PENDING order is stored: keyed, typed, and in the sparse pending index. */
const pendingItem = {
  pk: 'ORDER#ord-1',
  sk: 'ORDER',
  entityType: 'ORDER',
  ...order,
  pendingStatus: 'PENDING',
  pendingSince: order.createdAt,
};
const record = { customerId: 'alice', key: 'key-1', requestHash: 'abc123', orderId: order.orderId };

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

const sentTransaction = () => ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];

beforeEach(() => {
  ddb.reset();
});

describe('place', () => {
  it('writes order, idempotency key and OrderPlaced in ONE transaction, each only if new', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await repository.place(order, record, [placed]);

    expect(ddb.calls()).toHaveLength(1);
    const items = sentTransaction();
    expect(items).toHaveLength(3);
    // the order, marked for the sparse pending index
    expect(items[0]?.Put).toEqual({
      TableName: TABLE,
      Item: pendingItem,
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    // the key, scoped to the customer, with the body hash and the order it created
    expect(items[1]?.Put).toEqual({
      TableName: TABLE,
      Item: {
        pk: 'IDEMPOTENCY#alice#key-1',
        sk: 'IDEMPOTENCY',
        entityType: 'IDEMPOTENCY',
        requestHash: 'abc123',
        orderId: 'ord-1',
        expiresAt: Math.floor(T0.getTime() / 1000) + 7 * 24 * 3600,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    // the outbox record the relay publishes
    expect(items[2]?.Put).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: 'OUTBOX#evt-placed-1',
        entityType: 'OUTBOX',
        source: SOURCE,
        detailType: 'OrderPlaced',
        envelope: placed,
      },
    });
  });

  it('turns a taken key (second item) into IdempotencyKeyTaken', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));
    await expect(repository.place(order, record, [placed])).rejects.toBeInstanceOf(IdempotencyKeyTaken);
  });

  it('sends the transaction again when a concurrent transaction held an item, and then finds the key taken', async () => {
    // given a concurrent request with the same key is committing its transaction
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'TransactionConflict', 'None'))
      .rejectsOnce(cancelled('None', 'ConditionalCheckFailed', 'None'));

    // then the retry meets its committed key
    await expect(repository.place(order, record, [placed])).rejects.toBeInstanceOf(IdempotencyKeyTaken);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('does not disguise other failures as a taken key', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    await expect(repository.place(order, record, [placed])).rejects.toBeInstanceOf(
      TransactionCanceledException,
    );
  });
});

describe('save', () => {
  const confirmed = { ...order, status: 'CONFIRMED' as const, version: 2 };
  const event = createEnvelope(
    OrderConfirmedV1,
    {
      orderId: 'ord-1',
      customerId: 'alice',
      items: order.items,
      total: order.total,
      confirmedAt: T0.toISOString(),
    },
    { correlationId: 'req-1', causationId: 'evt-auth-1' },
    { eventId: 'evt-confirmed-1', now: T0 },
  );

  it('replaces the order only at the expected version, with its event, atomically', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await repository.save(confirmed, 1, [event]);

    const items = sentTransaction();
    expect(items).toHaveLength(2);
    // no longer PENDING: the sparse index attributes are gone
    expect(items[0]?.Put).toEqual({
      TableName: TABLE,
      Item: { pk: 'ORDER#ord-1', sk: 'ORDER', entityType: 'ORDER', ...confirmed },
      ConditionExpression: '#version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': 1 },
    });
    expect(items[1]?.Put?.Item).toMatchObject({ pk: 'OUTBOX#evt-confirmed-1', detailType: 'OrderConfirmed' });
  });

  it('keeps a still PENDING order in the pending index', async () => {
    ddb.on(PutCommand).resolves({});
    await repository.save({ ...order, paymentUnavailable: true, version: 2 }, 1, []);
    // one item and no event: a plain conditional put, not a transaction
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    const [request] = writesSent(ddb);
    expect(request).toHaveLength(1);
    expect(request?.[0]?.Put?.ConditionExpression).toBe('#version = :expected');
    expect(request?.[0]?.Put?.Item).toMatchObject({
      pendingStatus: 'PENDING',
      pendingSince: order.createdAt,
    });
  });

  it('maps a failed version condition to OrderVersionConflict, other failures stay as they are', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None'))
      .rejectsOnce(cancelled('None', 'ValidationError'))
      .rejectsOnce(new Error('boom'));
    await expect(repository.save(confirmed, 1, [event])).rejects.toBeInstanceOf(OrderVersionConflict);
    await expect(repository.save(confirmed, 1, [event])).rejects.toBeInstanceOf(TransactionCanceledException);
    await expect(repository.save(confirmed, 1, [event])).rejects.toThrow('boom');
  });

  it('sends the same transaction again after a TransactionConflict, and succeeds', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(transactionConflict()).resolvesOnce({});

    await repository.save(confirmed, 1, [event]);

    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual(calls[0]?.args[0].input);
  });
});

describe('reads', () => {
  it('gets an order consistently and strips storage attributes', async () => {
    ddb.on(GetCommand).resolves({
      Item: pendingItem,
    });

    expect(await repository.get('ord-1')).toEqual(order);
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'ORDER#ord-1', sk: 'ORDER' },
      ConsistentRead: true,
    });
  });

  it('finds an idempotency record by customer and key', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { requestHash: 'abc123', orderId: 'ord-1' } })
      .resolvesOnce({});

    expect(await repository.findIdempotencyRecord('alice', 'key-1')).toEqual(record);
    expect(await repository.findIdempotencyRecord('alice', 'key-2')).toBeUndefined();
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      Key: { pk: 'IDEMPOTENCY#alice#key-1', sk: 'IDEMPOTENCY' },
      ConsistentRead: true,
    });
  });

  it('queries the sparse index for orders pending since the cutoff, page after page, up to the limit', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ orderId: 'a' }, { orderId: 'b' }], LastEvaluatedKey: { pk: 'ORDER#b' } })
      .resolvesOnce({ Items: [{ orderId: 'c' }], LastEvaluatedKey: { pk: 'ORDER#c' } });

    expect(await repository.pendingSince(T0, 3)).toEqual(['a', 'b', 'c']);

    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({
      TableName: TABLE,
      IndexName: 'pendingOrders',
      KeyConditionExpression: 'pendingStatus = :pending AND pendingSince <= :before',
      ExpressionAttributeValues: { ':pending': 'PENDING', ':before': T0.toISOString() },
      Limit: 3,
    });
    expect(queries[1]).toMatchObject({ Limit: 1, ExclusiveStartKey: { pk: 'ORDER#b' } });
  });
});

describe('price book', () => {
  it('stores a price only when newer than the stored version', async () => {
    ddb
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'stale', $metadata: {} }));
    const price = {
      productId: 'espresso-cup',
      price: eur(1200),
      priceVersion: 2,
      updatedAt: T0.toISOString(),
    };

    expect(await prices.record(price)).toBe(true);
    expect(await prices.record(price)).toBe(false);
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { pk: 'PRICE#espresso-cup', sk: 'PRICE', entityType: 'PRICE', ...price },
      ConditionExpression: 'attribute_not_exists(pk) OR priceVersion < :version',
      ExpressionAttributeValues: { ':version': 2 },
    });
  });

  it('rethrows other write failures', async () => {
    ddb.on(PutCommand).rejects(new Error('throttled'));
    await expect(
      prices.record({ productId: 'a', price: eur(1), priceVersion: 1, updatedAt: T0.toISOString() }),
    ).rejects.toThrow('throttled');
  });

  it('reads prices consistently in one batch and retries unprocessed keys', async () => {
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [{ productId: 'a', price: eur(100) }] },
        UnprocessedKeys: { [TABLE]: { Keys: [{ pk: 'PRICE#b', sk: 'PRICE' }] } },
      })
      .resolvesOnce({ Responses: { [TABLE]: [{ productId: 'b', price: eur(200) }] } });

    const known = await prices.pricesOf(['a', 'b', 'ghost']);

    expect(known).toEqual(
      new Map([
        ['a', eur(100)],
        ['b', eur(200)],
      ]),
    );
    const [first, retry] = ddb.commandCalls(BatchGetCommand).map((call) => call.args[0].input);
    expect(first?.RequestItems?.[TABLE]).toEqual({
      Keys: [
        { pk: 'PRICE#a', sk: 'PRICE' },
        { pk: 'PRICE#b', sk: 'PRICE' },
        { pk: 'PRICE#ghost', sk: 'PRICE' },
      ],
      ConsistentRead: true,
      ProjectionExpression: 'productId, #price',
      ExpressionAttributeNames: { '#price': 'price' },
    });
    expect(retry?.RequestItems?.[TABLE]?.Keys).toEqual([{ pk: 'PRICE#b', sk: 'PRICE' }]);
  });
});

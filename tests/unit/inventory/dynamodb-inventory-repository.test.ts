import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbInventoryRepository } from '../../../domains/inventory/adapters/dynamodb-inventory-repository.js';
import { type Reservation, release, reserve, restock, sell } from '../../../domains/inventory/model.js';
import type { InventoryChange } from '../../../domains/inventory/ports.js';
import { releaseStock } from '../../../domains/inventory/release-stock.js';
import { reserveStock } from '../../../domains/inventory/reserve-stock.js';
import { sellStock } from '../../../domains/inventory/sell-stock.js';
import { createEnvelope, type EventEnvelope } from '../../../events/envelope.js';
import { StockReservedV1 } from '../../../events/inventory/index.js';
import {
  DYNAMODB_TRANSACTION_ITEM_LIMIT,
  MAX_RESERVABLE_PRODUCTS,
  ORDER_RESERVATION_LAYOUT,
} from '../../../shared/dynamodb/transaction-limit.js';
import { transactionCancelled as cancelled, transactionConflict } from '../shared/dynamodb-errors.js';
import { writesSent } from '../shared/dynamodb-writes.js';
import { stockItem } from './fakes.js';

const TABLE = 'commerce-test-inventory';
const SOURCE = 'commerce.inventory';
const T1 = new Date('2026-11-22T10:00:00.000Z');
const cause = { correlationId: 'req-1', causationId: 'evt-placed-1' };
const stamp = { cause, at: T1 };

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const repository = new DynamoDbInventoryRepository(client, TABLE, SOURCE);

const reservation = (status: Reservation['status']): Reservation => ({
  orderId: 'o-1',
  status,
  items: [
    { productId: 'cup', quantity: 2 },
    { productId: 'grinder', quantity: 1 },
  ],
  updatedAt: T1.toISOString(),
});

const reservedEvent = createEnvelope(
  StockReservedV1,
  { orderId: 'o-1', items: reservation('ACTIVE').items, reservedAt: T1.toISOString() },
  cause,
  { eventId: 'evt-reserved-1', now: T1 },
);

const reservationOfTwoLines = (): InventoryChange => ({
  stock: [
    { productId: 'cup', movement: reserve(2) },
    { productId: 'grinder', movement: reserve(1) },
  ],
  reservation: { expected: undefined, next: reservation('ACTIVE') },
  events: [reservedEvent],
  stamp,
});

/** What every stock write stamps on the item, besides its figures. */
const stampValues = {
  ':one': 1,
  ':updatedAt': T1.toISOString(),
  ':cause': cause,
  ':eventSource': SOURCE,
  ':movedAvailability': true,
};
const STAMP_SETS =
  'stockVersion = stockVersion + :one, updatedAt = :updatedAt, lastCause = :cause, eventSource = :eventSource, movedAvailability = :movedAvailability';

const sentItems = (call = 0) =>
  ddb.commandCalls(TransactWriteCommand)[call]?.args[0].input.TransactItems ?? [];

beforeEach(() => {
  ddb.reset();
  ddb.on(TransactWriteCommand).resolves({});
});

describe('save: a reservation', () => {
  it('is one transaction: per line an atomic guarded delta, the reservation created once, the outbox', async () => {
    // when two lines are reserved with their event
    expect(await repository.save(reservationOfTwoLines())).toBe('stored');

    // then exactly one TransactWriteItems was sent, and nothing was read first
    expect(ddb.calls()).toHaveLength(1);
    const items = sentItems();
    expect(items).toHaveLength(4);
    // each line: available -= q, reserved += q, whatever they are now, only if q is available
    expect(items[0]?.Update).toEqual({
      TableName: TABLE,
      Key: { pk: 'STOCK#cup', sk: 'STOCK' },
      UpdateExpression: `SET reserved = reserved + :reserved, available = available - :available, ${STAMP_SETS}`,
      ConditionExpression: 'attribute_exists(pk) AND available >= :available',
      ExpressionAttributeValues: { ':reserved': 2, ':available': 2, ...stampValues },
    });
    expect(items[1]?.Update).toMatchObject({
      Key: { pk: 'STOCK#grinder', sk: 'STOCK' },
      ConditionExpression: 'attribute_exists(pk) AND available >= :available',
      ExpressionAttributeValues: { ':reserved': 1, ':available': 1 },
    });
    // the reservation record, which must not exist yet (idempotency and tombstone check)
    expect(items[2]?.Put).toEqual({
      TableName: TABLE,
      Item: { pk: 'RESERVATION#o-1', sk: 'RESERVATION', entityType: 'RESERVATION', ...reservation('ACTIVE') },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    // the outbox record (StockLevelChanged is not in it: the stock items' stream records carry it)
    expect(items[3]?.Put).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: 'OUTBOX#evt-reserved-1',
        entityType: 'OUTBOX',
        source: SOURCE,
        detailType: 'StockReserved',
      },
    });
  });

  it.each([
    ['a line is short or unknown', ['ConditionalCheckFailed', 'None', 'None', 'None'], 'stock-short'],
    ['the second line is short', ['None', 'ConditionalCheckFailed', 'None', 'None'], 'stock-short'],
    [
      'the reservation exists already',
      ['None', 'None', 'ConditionalCheckFailed', 'None'],
      'reservation-moved',
    ],
    [
      'the reservation exists and a line is short',
      ['ConditionalCheckFailed', 'None', 'ConditionalCheckFailed', 'None'],
      'reservation-moved',
    ],
  ])('answers a cancellation because %s as %s', async (_case, codes, outcome) => {
    ddb.on(TransactWriteCommand).rejects(cancelled(...codes));

    expect(await repository.save(reservationOfTwoLines())).toBe(outcome);
  });

  it('sends the same transaction again after a TransactionConflict on the hot stock item, and succeeds', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(transactionConflict(4)).resolvesOnce({});

    expect(await repository.save(reservationOfTwoLines())).toBe('stored');

    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(sentItems(1)).toEqual(sentItems(0));
  });

  it('does not disguise a failed outbox write as an answer', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'None', 'ConditionalCheckFailed'));

    await expect(repository.save(reservationOfTwoLines())).rejects.toBeInstanceOf(
      TransactionCanceledException,
    );
  });
});

describe('the largest order inventory can reserve', () => {
  const MAX = MAX_RESERVABLE_PRODUCTS;
  const { itemsPerLine, fixedItems } = ORDER_RESERVATION_LAYOUT;
  const ports = {
    inventory: repository,
    clock: { now: () => T1 },
    backoff: { pause: async () => undefined },
  };
  const lines = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ productId: `p-${i}`, quantity: 1 }));
  const orderEvent = <Data>(data: Data): EventEnvelope<Data> => ({
    metadata: {
      eventId: 'evt-order-1',
      eventType: 'OrderPlaced',
      eventVersion: 1,
      occurredAt: T1.toISOString(),
      producer: 'commerce.orders',
      ...cause,
    },
    data,
  });
  const storedReservation = (status: Reservation['status'], count: number) => ({
    Item: {
      pk: 'RESERVATION#o-1',
      sk: 'RESERVATION',
      entityType: 'RESERVATION',
      orderId: 'o-1',
      status,
      items: lines(count),
      updatedAt: T1.toISOString(),
    },
  });

  it('is derived from the transaction limit: one more product would not fit', () => {
    expect(MAX * itemsPerLine + fixedItems).toBeLessThanOrEqual(DYNAMODB_TRANSACTION_ITEM_LIMIT);
    expect((MAX + 1) * itemsPerLine + fixedItems).toBeGreaterThan(DYNAMODB_TRANSACTION_ITEM_LIMIT);
  });

  it('reserves an order of that many distinct products in one transaction of the declared layout', async () => {
    expect(await reserveStock(orderEvent({ orderId: 'o-1', items: lines(MAX) }), ports)).toBe('reserved');

    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(sentItems()).toHaveLength(MAX * itemsPerLine + fixedItems);
  });

  it('counts distinct products: repeated lines of one product are one stock write', async () => {
    const repeated = [...lines(MAX), ...lines(MAX)];

    expect(await reserveStock(orderEvent({ orderId: 'o-1', items: repeated }), ports)).toBe('reserved');

    expect(sentItems()).toHaveLength(MAX * itemsPerLine + fixedItems);
  });

  it('refuses one product more before sending anything, since DynamoDB would refuse the transaction', async () => {
    const attempt = reserveStock(orderEvent({ orderId: 'o-1', items: lines(MAX + 1) }), ports);

    await expect(attempt).rejects.toThrow(`needs ${(MAX + 1) * itemsPerLine + fixedItems} items`);
    expect(writesSent(ddb)).toEqual([]);
  });

  it('sells, releases and returns such a reservation within the limit too', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce(storedReservation('ACTIVE', MAX))
      .resolvesOnce(storedReservation('ACTIVE', MAX))
      .resolvesOnce(storedReservation('SOLD', MAX));

    expect(await sellStock(orderEvent({ orderId: 'o-1' }), ports)).toBe('sold');
    expect(await releaseStock(orderEvent({ orderId: 'o-1', wasConfirmed: false }), ports)).toBe('released');
    expect(await releaseStock(orderEvent({ orderId: 'o-1', wasConfirmed: true }), ports)).toBe('returned');

    const sizes = ddb
      .commandCalls(TransactWriteCommand)
      .map((call) => call.args[0].input.TransactItems?.length);
    expect(sizes).toHaveLength(3);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(DYNAMODB_TRANSACTION_ITEM_LIMIT);
  });
});

describe('save: settling a reservation', () => {
  it.each([
    [
      'a sale: onHand and reserved drop, each guarded; availability did not move (no StockLevelChanged)',
      sell,
      'SET onHand = onHand - :onHand, reserved = reserved - :reserved',
      'attribute_exists(pk) AND onHand >= :onHand AND reserved >= :reserved',
      { ':onHand': 2, ':reserved': 2 },
      false,
    ],
    [
      'a release: reserved drops (guarded), available grows',
      release,
      'SET reserved = reserved - :reserved, available = available + :available',
      'attribute_exists(pk) AND reserved >= :reserved',
      { ':reserved': 2, ':available': 2 },
      true,
    ],
    [
      'a return: onHand and available grow',
      restock,
      'SET onHand = onHand + :onHand, available = available + :available',
      'attribute_exists(pk)',
      { ':onHand': 2, ':available': 2 },
      true,
    ],
  ])(
    'moves the stock by %s, from the reservation status read',
    async (_case, movement, sets, condition, values, movedAvailability) => {
      await repository.save({
        stock: [{ productId: 'cup', movement: movement(2) }],
        reservation: { expected: 'ACTIVE', next: reservation('SOLD') },
        events: [],
        stamp,
      });

      const [stock, moved] = sentItems();
      expect(stock?.Update).toEqual({
        TableName: TABLE,
        Key: { pk: 'STOCK#cup', sk: 'STOCK' },
        UpdateExpression: `${sets}, ${STAMP_SETS}`,
        ConditionExpression: condition,
        ExpressionAttributeValues: { ...values, ...stampValues, ':movedAvailability': movedAvailability },
      });
      expect(moved?.Put).toEqual({
        TableName: TABLE,
        Item: { pk: 'RESERVATION#o-1', sk: 'RESERVATION', entityType: 'RESERVATION', ...reservation('SOLD') },
        ConditionExpression: '#status = :expectedStatus',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expectedStatus': 'ACTIVE' },
      });
    },
  );
});

describe('setOnHand', () => {
  const stored = { ...stockItem('cup', 6, 2, 3), updatedAt: T1.toISOString() };

  it('is one conditional update, no read: available follows from what is reserved at that moment', async () => {
    ddb.on(UpdateCommand).resolves({
      Attributes: {
        pk: 'STOCK#cup',
        sk: 'STOCK',
        entityType: 'STOCK',
        lastCause: cause,
        eventSource: SOURCE,
        ...stored,
      },
    });

    expect(await repository.setOnHand('cup', 6, stamp)).toEqual({ stored });

    expect(ddb.calls()).toHaveLength(1);
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'STOCK#cup', sk: 'STOCK' },
      UpdateExpression:
        'SET entityType = :stock, productId = :productId, onHand = :quantity, reserved = if_not_exists(reserved, :zero), available = :quantity - if_not_exists(reserved, :zero), stockVersion = if_not_exists(stockVersion, :zero) + :one, updatedAt = :updatedAt, lastCause = :cause, eventSource = :eventSource, movedAvailability = :movedAvailability',
      ConditionExpression: 'attribute_not_exists(pk) OR reserved <= :quantity',
      ExpressionAttributeValues: {
        ':stock': 'STOCK',
        ':productId': 'cup',
        ':quantity': 6,
        ':zero': 0,
        ...stampValues,
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('answers with the reserved units when the count would not cover them', async () => {
    ddb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall({ pk: 'STOCK#cup', sk: 'STOCK', ...stockItem('cup', 10, 5) }),
      }),
    );

    expect(await repository.setOnHand('cup', 4, stamp)).toEqual({ reserved: 5 });
  });

  it('writes again when a reservation transaction held the item (TransactionConflictException)', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(
        Object.assign(new Error('Transaction is ongoing for the item'), {
          name: 'TransactionConflictException',
        }),
      )
      .resolvesOnce({ Attributes: { ...stored } });

    expect(await repository.setOnHand('cup', 6, stamp)).toEqual({ stored });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(2);
  });
});

describe('reads', () => {
  it('reads stock consistently by key and strips what only storage and the relay need', async () => {
    const cup = stockItem('cup', 5, 1, 2);
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'STOCK#cup',
        sk: 'STOCK',
        entityType: 'STOCK',
        lastCause: cause,
        eventSource: SOURCE,
        ...cup,
      },
    });

    expect(await repository.getStock('cup')).toEqual(cup);
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'STOCK#cup', sk: 'STOCK' },
      ConsistentRead: true,
    });
  });

  it('reads a reservation by order id, or nothing', async () => {
    ddb
      .on(GetCommand, { Key: { pk: 'RESERVATION#o-1', sk: 'RESERVATION' } })
      .resolves({ Item: { pk: 'RESERVATION#o-1', sk: 'RESERVATION', ...reservation('SOLD') } })
      .on(GetCommand, { Key: { pk: 'RESERVATION#o-2', sk: 'RESERVATION' } })
      .resolves({});

    expect(await repository.getReservation('o-1')).toEqual(reservation('SOLD'));
    expect(await repository.getReservation('o-2')).toBeUndefined();
  });
});

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
import {
  DynamoDbInventoryRepository,
  MAX_TRANSACTION_ITEMS,
} from '../../../domains/inventory/adapters/dynamodb-inventory-repository.js';
import { type Reservation, release, reserve, restock, sell } from '../../../domains/inventory/model.js';
import type { InventoryChange } from '../../../domains/inventory/ports.js';
import { createEnvelope } from '../../../events/envelope.js';
import { StockReservedV1 } from '../../../events/inventory/index.js';
import { transactionCancelled as cancelled, transactionConflict } from '../shared/dynamodb-errors.js';
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
};
const STAMP_SETS =
  'stockVersion = stockVersion + :one, updatedAt = :updatedAt, lastCause = :cause, eventSource = :eventSource';

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

  it('fits the largest order (50 lines) in one transaction, and refuses what DynamoDB could not take', async () => {
    const lines = (count: number): InventoryChange => ({
      ...reservationOfTwoLines(),
      stock: Array.from({ length: count }, (_, i) => ({ productId: `p-${i}`, movement: reserve(1) })),
    });

    await repository.save(lines(50));
    expect(sentItems()).toHaveLength(52);

    await expect(repository.save(lines(MAX_TRANSACTION_ITEMS - 1))).rejects.toThrow('in one transaction');
  });
});

describe('save: settling a reservation', () => {
  it.each([
    [
      'a sale: onHand and reserved drop, each guarded',
      sell,
      'SET onHand = onHand - :onHand, reserved = reserved - :reserved',
      'attribute_exists(pk) AND onHand >= :onHand AND reserved >= :reserved',
      { ':onHand': 2, ':reserved': 2 },
    ],
    [
      'a release: reserved drops (guarded), available grows',
      release,
      'SET reserved = reserved - :reserved, available = available + :available',
      'attribute_exists(pk) AND reserved >= :reserved',
      { ':reserved': 2, ':available': 2 },
    ],
    [
      'a return: onHand and available grow',
      restock,
      'SET onHand = onHand + :onHand, available = available + :available',
      'attribute_exists(pk)',
      { ':onHand': 2, ':available': 2 },
    ],
  ])(
    'moves the stock by %s, from the reservation status read',
    async (_case, movement, sets, condition, values) => {
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
        ExpressionAttributeValues: { ...values, ...stampValues },
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
        'SET entityType = :stock, productId = :productId, onHand = :quantity, reserved = if_not_exists(reserved, :zero), available = :quantity - if_not_exists(reserved, :zero), stockVersion = if_not_exists(stockVersion, :zero) + :one, updatedAt = :updatedAt, lastCause = :cause, eventSource = :eventSource',
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

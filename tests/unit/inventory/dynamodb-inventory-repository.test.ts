import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbInventoryRepository } from '../../../domains/inventory/adapters/dynamodb-inventory-repository.js';
import {
  InventoryChangedConcurrently,
  type Reservation,
  reserve,
  sell,
  withOnHand,
} from '../../../domains/inventory/model.js';
import { createEnvelope } from '../../../events/envelope.js';
import { StockReservedV1 } from '../../../events/inventory/index.js';
import { stockItem } from './fakes.js';

const TABLE = 'commerce-test-inventory';
const SOURCE = 'commerce.inventory';
const T1 = new Date('2026-11-22T10:00:00.000Z');

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
  { correlationId: 'req-1', causationId: 'evt-placed-1' },
  { eventId: 'evt-reserved-1', now: T1 },
);

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

const sentItems = () => ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];

beforeEach(() => {
  ddb.reset();
  ddb.on(TransactWriteCommand).resolves({});
});

describe('save: a reservation', () => {
  const cup = stockItem('cup', 5, 0, 3);
  const grinder = stockItem('grinder', 2, 1, 7);
  const reservationOfTwoLines = () => ({
    stock: [
      { before: cup, after: reserve(cup, 2, T1) },
      { before: grinder, after: reserve(grinder, 1, T1) },
    ],
    reservation: { before: undefined, after: reservation('ACTIVE') },
    events: [reservedEvent],
  });

  it('is one transaction: per line a versioned, guarded update; the reservation created once; the outbox', async () => {
    // when two lines are reserved with their event
    await repository.save(reservationOfTwoLines());

    // then exactly one TransactWriteItems was sent
    expect(ddb.calls()).toHaveLength(1);
    const items = sentItems();
    expect(items).toHaveLength(4);
    // each line: available -= q, reserved += q, version + 1, only at the version read and if q is available
    expect(items[0]?.Update).toEqual({
      TableName: TABLE,
      Key: { pk: 'STOCK#cup', sk: 'STOCK' },
      UpdateExpression:
        'SET reserved = reserved + :reserved, available = available - :available, stockVersion = stockVersion + :one, updatedAt = :updatedAt',
      ConditionExpression: 'stockVersion = :expectedVersion AND available >= :available',
      ExpressionAttributeValues: {
        ':expectedVersion': 3,
        ':reserved': 2,
        ':available': 2,
        ':one': 1,
        ':updatedAt': T1.toISOString(),
      },
    });
    expect(items[1]?.Update).toMatchObject({
      Key: { pk: 'STOCK#grinder', sk: 'STOCK' },
      ConditionExpression: 'stockVersion = :expectedVersion AND available >= :available',
      ExpressionAttributeValues: { ':expectedVersion': 7, ':reserved': 1, ':available': 1 },
    });
    // the reservation record, which must not exist yet (idempotency and tombstone check)
    expect(items[2]?.Put).toEqual({
      TableName: TABLE,
      Item: { pk: 'RESERVATION#o-1', sk: 'RESERVATION', entityType: 'RESERVATION', ...reservation('ACTIVE') },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    // the outbox record
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
    ['a stock item changed (version or availability)', ['ConditionalCheckFailed', 'None', 'None', 'None']],
    ['a concurrent transaction on a stock item', ['None', 'TransactionConflict', 'None', 'None']],
    ['the reservation exists already', ['None', 'None', 'ConditionalCheckFailed', 'None']],
  ])('maps a cancellation because %s to InventoryChangedConcurrently', async (_case, codes) => {
    ddb.on(TransactWriteCommand).rejects(cancelled(...codes));

    const attempt = repository.save(reservationOfTwoLines());

    await expect(attempt).rejects.toBeInstanceOf(InventoryChangedConcurrently);
  });

  it('does not disguise a failed outbox write as a conflict', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'None', 'ConditionalCheckFailed'));

    const attempt = repository.save(reservationOfTwoLines());

    await expect(attempt).rejects.toBeInstanceOf(TransactionCanceledException);
  });
});

describe('save: other changes', () => {
  it('moves a reservation only from the status it was read in, and guards every decreasing field', async () => {
    // given a sale of 2 cups
    const cup = stockItem('cup', 5, 2, 4);
    await repository.save({
      stock: [{ before: cup, after: sell(cup, 2, T1) }],
      reservation: { before: reservation('ACTIVE'), after: reservation('SOLD') },
      events: [],
    });

    // then onHand and reserved drop, each checked, and the reservation must still be ACTIVE
    const [stock, moved] = sentItems();
    expect(stock?.Update).toMatchObject({
      UpdateExpression:
        'SET onHand = onHand - :onHand, reserved = reserved - :reserved, stockVersion = stockVersion + :one, updatedAt = :updatedAt',
      ConditionExpression: 'stockVersion = :expectedVersion AND onHand >= :onHand AND reserved >= :reserved',
      ExpressionAttributeValues: { ':expectedVersion': 4, ':onHand': 2, ':reserved': 2 },
    });
    expect(moved?.Put).toEqual({
      TableName: TABLE,
      Item: { pk: 'RESERVATION#o-1', sk: 'RESERVATION', entityType: 'RESERVATION', ...reservation('SOLD') },
      ConditionExpression: '#status = :expectedStatus',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':expectedStatus': 'ACTIVE' },
    });
  });

  it('creates a new stock item only if none exists', async () => {
    const after = withOnHand(undefined, 'cup', 7, T1);

    await repository.save({ stock: [{ before: undefined, after }], events: [] });

    expect(sentItems()).toEqual([
      {
        Put: {
          TableName: TABLE,
          Item: { pk: 'STOCK#cup', sk: 'STOCK', entityType: 'STOCK', ...after },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  });
});

describe('reads', () => {
  it('reads stock consistently by key and strips the storage keys', async () => {
    const cup = stockItem('cup', 5, 1, 2);
    ddb.on(GetCommand).resolves({ Item: { pk: 'STOCK#cup', sk: 'STOCK', entityType: 'STOCK', ...cup } });

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

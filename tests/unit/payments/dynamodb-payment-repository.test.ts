import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbPaymentRepository } from '../../../domains/payments/adapters/dynamodb-payment-repository.js';
import { type Payment, PaymentVersionConflict } from '../../../domains/payments/model.js';
import { createEnvelope } from '../../../events/envelope.js';
import { PaymentAuthorizedV1 } from '../../../events/payments/index.js';
import { conditionFailed, transactionConflict } from '../shared/dynamodb-errors.js';
import { writesSent } from '../shared/dynamodb-writes.js';

const TABLE = 'commerce-test-payments';
const SOURCE = 'commerce.payments';
const T0 = new Date('2026-11-22T10:00:00.000Z');

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const repository = new DynamoDbPaymentRepository(client, TABLE, SOURCE);

function payment(overrides: Partial<Payment> = {}): Payment {
  return {
    orderId: 'order-1',
    paymentId: 'pay-1',
    status: 'AUTHORIZED',
    intent: { customerId: 'alice', amount: { amount: 3000, currency: 'EUR' } },
    stockReserved: true,
    authorizationId: 'auth-1',
    unavailableNotified: false,
    correlationId: 'corr-1',
    causationId: 'evt-1',
    version: 2,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...overrides,
  };
}

const authorized = createEnvelope(
  PaymentAuthorizedV1,
  {
    orderId: 'order-1',
    paymentId: 'pay-1',
    amount: { amount: 3000, currency: 'EUR' },
    authorizedAt: T0.toISOString(),
  },
  { correlationId: 'corr-1', causationId: 'evt-1' },
  { eventId: 'evt-authorized-1', now: T0 },
);

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

const transactItems = () => ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];

beforeEach(() => {
  ddb.reset();
});

describe('save', () => {
  it('replaces the whole item, so a card token the payment no longer holds is removed from the table', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    // given a payment whose sealed token was dropped when its authorization was answered
    const settled = payment({ version: 3 });

    await repository.save(settled, 2, [authorized]);

    // then it is written with a Put (no partial update that could leave the old attribute behind)
    const [write] = transactItems();
    expect(write?.Update).toBeUndefined();
    expect(write?.Put?.Item?.intent).toEqual({
      customerId: 'alice',
      amount: { amount: 3000, currency: 'EUR' },
    });
  });

  it('writes the payment and its outbox record in one transaction, conditioned on the version', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await repository.save(payment({ version: 3 }), 2, [authorized]);

    const items = transactItems();
    expect(items).toHaveLength(2);
    expect(items[0]?.Put).toEqual({
      TableName: TABLE,
      Item: { pk: 'PAYMENT#order-1', sk: 'PAYMENT', entityType: 'PAYMENT', ...payment({ version: 3 }) },
      ConditionExpression: 'version = :expected',
      ExpressionAttributeValues: { ':expected': 2 },
    });
    expect(items[1]?.Put).toMatchObject({
      TableName: TABLE,
      Item: {
        pk: 'OUTBOX#evt-authorized-1',
        entityType: 'OUTBOX',
        source: SOURCE,
        detailType: 'PaymentAuthorized',
      },
    });
  });

  it('creates a first payment only if none exists, with a plain put when it causes no event', async () => {
    ddb.on(PutCommand).resolves({});

    await repository.save(payment({ status: 'PENDING', version: 1 }), undefined, []);

    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ TableName: TABLE, ConditionExpression: 'attribute_not_exists(pk)' });
    expect(put?.ExpressionAttributeValues).toBeUndefined();
  });

  it('turns the failed condition of a plain put into PaymentVersionConflict too', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());

    const attempt = repository.save(payment({ status: 'AWAITING_PROVIDER' }), 1, []);

    await expect(attempt).rejects.toBeInstanceOf(PaymentVersionConflict);
  });

  it('puts a waiting payment in the sparse pending index, and takes a settled one out', async () => {
    ddb.on(PutCommand).resolves({});

    await repository.save(payment({ status: 'AWAITING_PROVIDER', pendingSince: T0.toISOString() }), 1, []);
    await repository.save(payment({ status: 'AUTHORIZED', pendingSince: T0.toISOString() }), 2, []);

    const [waiting, settled] = writesSent(ddb).map((request) => request[0]?.Put?.Item);
    expect(waiting).toMatchObject({ pendingPartition: 'PENDING', pendingSince: T0.toISOString() });
    expect(settled?.pendingPartition).toBeUndefined();
    expect(settled?.pendingSince).toBeUndefined();
  });

  it('turns a failed condition on the payment into PaymentVersionConflict', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));

    await expect(repository.save(payment(), 1, [authorized])).rejects.toBeInstanceOf(PaymentVersionConflict);
  });

  it('sends the same transaction again after a TransactionConflict, and succeeds', async () => {
    ddb.on(TransactWriteCommand).rejectsOnce(transactionConflict()).resolvesOnce({});

    await repository.save(payment(), 1, [authorized]);

    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual(calls[0]?.args[0].input);
  });

  it('does not disguise other failures as a conflict', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));

    const attempt = repository.save(payment(), 1, [authorized]);

    await expect(attempt).rejects.toBeInstanceOf(TransactionCanceledException);
  });
});

describe('get', () => {
  it('reads consistently and returns the payment without its storage keys', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'PAYMENT#order-1',
        sk: 'PAYMENT',
        entityType: 'PAYMENT',
        pendingPartition: 'PENDING',
        ...payment({ status: 'CAPTURE_PENDING', pendingSince: T0.toISOString() }),
      },
    });

    const stored = await repository.get('order-1');

    expect(stored).toEqual(payment({ status: 'CAPTURE_PENDING', pendingSince: T0.toISOString() }));
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'PAYMENT#order-1', sk: 'PAYMENT' },
      ConsistentRead: true,
    });
  });

  it('returns undefined for an order it never heard of', async () => {
    ddb.on(GetCommand).resolves({});

    expect(await repository.get('order-x')).toBeUndefined();
  });
});

describe('listPending', () => {
  it('queries the sparse index oldest first and pages with an opaque cursor', async () => {
    const lastKey = { pk: 'PAYMENT#order-2', sk: 'PAYMENT', pendingPartition: 'PENDING', pendingSince: 'x' };
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ orderId: 'order-1' }, { orderId: 'order-2' }], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [{ orderId: 'order-3' }] });

    const first = await repository.listPending({ limit: 2 });
    const second = await repository.listPending({ limit: 2, cursor: first.nextCursor ?? undefined });

    expect(first.orderIds).toEqual(['order-1', 'order-2']);
    expect(second).toEqual({ orderIds: ['order-3'], nextCursor: null });
    const [firstQuery, secondQuery] = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(firstQuery).toMatchObject({
      TableName: TABLE,
      IndexName: 'byPendingSince',
      KeyConditionExpression: 'pendingPartition = :pending',
      ExpressionAttributeValues: { ':pending': 'PENDING' },
      Limit: 2,
    });
    expect(firstQuery?.ExclusiveStartKey).toBeUndefined();
    expect(secondQuery?.ExclusiveStartKey).toEqual(lastKey);
  });
});

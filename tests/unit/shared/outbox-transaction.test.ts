import { DynamoDBClient, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEnvelope } from '../../../events/envelope.js';
import { PaymentAuthorizedV1 } from '../../../events/payments/index.js';
import { failedConditions, sendWithEvents } from '../../../shared/outbox/transaction.js';
import { conditionFailed, transactionCancelled } from './dynamodb-errors.js';
import { writesSent } from './dynamodb-writes.js';

const TABLE = 'commerce-test-payments';
const outbox = { tableName: TABLE, eventSource: 'commerce.payments' };
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

const put = {
  Put: {
    TableName: TABLE,
    Item: { pk: 'P#1', sk: 'P', version: 2 },
    ConditionExpression: 'version = :v',
    ExpressionAttributeValues: { ':v': 1 },
  },
};
const update = {
  Update: {
    TableName: TABLE,
    Key: { pk: 'P#1', sk: 'P' },
    UpdateExpression: 'SET a = :a',
    ExpressionAttributeValues: { ':a': 1 },
  },
};
const remove = {
  Delete: { TableName: TABLE, Key: { pk: 'P#1', sk: 'P' }, ConditionExpression: 'attribute_exists(pk)' },
};
const event = createEnvelope(
  PaymentAuthorizedV1,
  {
    orderId: 'o-1',
    paymentId: 'p-1',
    amount: { amount: 100, currency: 'EUR' },
    authorizedAt: '2026-12-02T10:00:00.000Z',
  },
  { correlationId: 'c-1', causationId: 'e-0' },
  { eventId: 'e-1', now: new Date('2026-12-02T10:00:00.000Z') },
);

beforeEach(() => {
  ddb.reset();
  ddb.onAnyCommand().resolves({});
});

describe('sendWithEvents', () => {
  it.each([
    ['Put', put, () => ddb.commandCalls(PutCommand).length],
    ['Update', update, () => ddb.commandCalls(UpdateCommand).length],
    ['Delete', remove, () => ddb.commandCalls(DeleteCommand).length],
  ] as const)(
    'writes one item with no event as a plain conditional %s, not a transaction (half the units)',
    async (_, write, sentAlone) => {
      await sendWithEvents(client, outbox, [write], []);

      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
      expect(sentAlone()).toBe(1);
      expect(writesSent(ddb)).toEqual([[write]]);
    },
  );

  it('stores a write and the event it causes in one transaction: both or neither', async () => {
    await sendWithEvents(client, outbox, [put], [event]);

    const [request] = writesSent(ddb);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(request?.[0]).toEqual(put);
    expect(request?.[1]?.Put?.Item).toMatchObject({ pk: 'OUTBOX#e-1', detailType: 'PaymentAuthorized' });
  });

  it('keeps two items that must change together in one transaction, even with no event', async () => {
    await sendWithEvents(client, outbox, [put, update], []);

    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(writesSent(ddb)).toEqual([[put, update]]);
  });

  it('sends a plain write again when a transaction held its item (DynamoDB Local never refuses one so)', async () => {
    ddb
      .on(PutCommand)
      .rejectsOnce(
        new TransactionConflictException({ message: 'Transaction is ongoing for the item', $metadata: {} }),
      )
      .resolvesOnce({});

    await sendWithEvents(client, outbox, [put], []);

    expect(ddb.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('does not send a plain write again when its condition fails: the condition gave its answer', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());

    const attempt = sendWithEvents(client, outbox, [put], []);

    await expect(attempt).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(ddb.calls()).toHaveLength(1);
  });
});

describe('failedConditions', () => {
  it('names the only write of a plain write whose condition failed', () => {
    expect(failedConditions(conditionFailed())).toEqual([0]);
  });

  it('names the items of a cancelled transaction whose conditions failed, by position', () => {
    expect(
      failedConditions(transactionCancelled('None', 'ConditionalCheckFailed', 'ConditionalCheckFailed')),
    ).toEqual([1, 2]);
    expect(failedConditions(transactionCancelled('TransactionConflict', 'None'))).toEqual([]);
  });

  it('names nothing for any other failure', () => {
    expect(failedConditions(new Error('network down'))).toEqual([]);
  });
});

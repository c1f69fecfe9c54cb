import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbContactBook } from '../../../domains/notifications/adapters/dynamodb-contact-book.js';
import { DynamoDbNotificationRepository } from '../../../domains/notifications/adapters/dynamodb-notification-repository.js';
import type { Contact, Notification } from '../../../domains/notifications/model.js';
import { BadRequestError } from '../../../shared/errors.js';

const TABLE = 'commerce-test-notifications';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const notifications = new DynamoDbNotificationRepository(client, TABLE);
const contacts = new DynamoDbContactBook(client, TABLE);

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const notification: Notification = {
  notificationId: 'ntf-evt-1',
  customerId: 'alice',
  kind: 'order-confirmed',
  orderId: 'ord-1',
  subject: 'Your order ord-1 is confirmed',
  body: 'Hello Alice, …',
  channel: 'log',
  recipient: 'alice@example.com',
  status: 'recorded',
  sourceEventId: 'evt-1',
  correlationId: 'req-1',
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
};
const NOTIFICATION_KEY = { pk: 'NOTIFICATION#ntf-evt-1', sk: 'NOTIFICATION' };
const alice: Contact = {
  customerId: 'alice',
  name: 'Alice',
  email: 'alice@example.com',
  profileVersion: 2,
  updatedAt: '2026-11-22T09:00:00.000Z',
};
const CONTACT_KEY = { pk: 'CUSTOMER#alice', sk: 'CONTACT' };

beforeEach(() => ddb.reset());

describe('DynamoDbNotificationRepository.record', () => {
  it('puts the notification only if its id is new', async () => {
    ddb.on(PutCommand).resolves({});

    expect(await notifications.record(notification)).toBe(true);
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...NOTIFICATION_KEY, entityType: 'NOTIFICATION', ...notification },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('answers false for an id already recorded (a duplicate delivery)', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    expect(await notifications.record(notification)).toBe(false);
  });

  it('rethrows other failures, so the delivery is retried', async () => {
    ddb.on(PutCommand).rejects(new Error('throttled'));
    await expect(notifications.record(notification)).rejects.toThrow('throttled');
  });
});

describe('DynamoDbNotificationRepository.settle', () => {
  it('marks a recorded notification sent', async () => {
    ddb.on(UpdateCommand).resolves({});

    await notifications.settle('ntf-evt-1', { status: 'sent', at: '2026-11-22T10:00:01.000Z' });

    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: NOTIFICATION_KEY,
      UpdateExpression: 'SET #status = :status, updatedAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'sent', ':at': '2026-11-22T10:00:01.000Z' },
    });
  });

  it('stores the reason of a failure', async () => {
    ddb.on(UpdateCommand).resolves({});

    await notifications.settle('ntf-evt-1', {
      status: 'failed',
      at: '2026-11-22T10:00:01.000Z',
      failureReason: 'MessageRejected',
    });

    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      UpdateExpression: 'SET #status = :status, updatedAt = :at, failureReason = :failureReason',
      ExpressionAttributeValues: { ':status': 'failed', ':failureReason': 'MessageRejected' },
    });
  });

  it("stores the provider's message id of a sent notification", async () => {
    ddb.on(UpdateCommand).resolves({});

    await notifications.settle('ntf-evt-1', {
      status: 'sent',
      at: '2026-11-22T10:00:01.000Z',
      providerMessageId: 'ses-1',
    });

    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      UpdateExpression: 'SET #status = :status, updatedAt = :at, providerMessageId = :providerMessageId',
      ExpressionAttributeValues: { ':status': 'sent', ':providerMessageId': 'ses-1' },
    });
  });
});

describe('DynamoDbNotificationRepository retries', () => {
  it('releases only a recorded notification', async () => {
    ddb.on(UpdateCommand).resolves({});

    await notifications.releaseForRetry('ntf-evt-1', '2026-11-22T10:00:01.000Z');

    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      Key: NOTIFICATION_KEY,
      UpdateExpression: 'SET releasedForRetry = :yes, updatedAt = :at',
      ConditionExpression: '#status = :recorded',
    });
  });

  it('claims a released notification once and returns it without the mark', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: { ...NOTIFICATION_KEY, entityType: 'NOTIFICATION', ...notification } })
      .rejects(new ConditionalCheckFailedException({ message: 'not released', $metadata: {} }));

    const first = await notifications.claimForRetry('ntf-evt-1', '2026-11-22T10:00:02.000Z');
    const second = await notifications.claimForRetry('ntf-evt-1', '2026-11-22T10:00:02.000Z');

    expect(first).toEqual(notification);
    expect(second).toBeUndefined();
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      UpdateExpression: 'REMOVE releasedForRetry SET updatedAt = :at',
      ConditionExpression: 'releasedForRetry = :yes AND #status = :recorded',
      ReturnValues: 'ALL_NEW',
    });
  });
});

describe('DynamoDbNotificationRepository.listByCustomer', () => {
  const lastKey = { ...NOTIFICATION_KEY, customerId: 'alice', createdAt: notification.createdAt };
  const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it("queries the customer's index newest first and continues where the previous page stopped", async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ ...NOTIFICATION_KEY, entityType: 'NOTIFICATION', ...notification }],
        LastEvaluatedKey: lastKey,
      })
      .resolvesOnce({ Items: [] });

    const first = await notifications.listByCustomer('alice', { limit: 1 });
    const second = await notifications.listByCustomer('alice', {
      limit: 1,
      cursor: first.nextCursor ?? undefined,
    });

    expect(first.items).toEqual([notification]);
    expect(second).toEqual({ items: [], nextCursor: null });
    const [firstQuery, secondQuery] = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(firstQuery).toEqual({
      TableName: TABLE,
      IndexName: 'byCustomer',
      KeyConditionExpression: '#partition = :partition',
      ExpressionAttributeNames: { '#partition': 'customerId' },
      ExpressionAttributeValues: { ':partition': 'alice' },
      ScanIndexForward: false,
      Limit: 1,
      ExclusiveStartKey: undefined,
    });
    expect(secondQuery?.ExclusiveStartKey).toEqual(lastKey);
  });

  it.each([
    ['not base64 JSON', '!!!'],
    ['of another customer', cursorOf({ ...lastKey, customerId: 'bob' })],
    ['of another item type', cursorOf({ ...lastKey, pk: 'CUSTOMER#alice', sk: 'CONTACT' })],
    ['with extra keys', cursorOf({ ...lastKey, admin: true })],
    ['without a sort key', cursorOf({ ...lastKey, createdAt: undefined })],
  ])('refuses a cursor %s with a 400 before querying', async (_case, cursor) => {
    const attempt = notifications.listByCustomer('alice', { limit: 1, cursor });

    await expect(attempt).rejects.toBeInstanceOf(BadRequestError);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('DynamoDbContactBook', () => {
  it('reads a contact consistently and strips the storage keys', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...CONTACT_KEY, entityType: 'CONTACT', ...alice } });

    expect(await contacts.get('alice')).toEqual(alice);
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: CONTACT_KEY,
      ConsistentRead: true,
    });
  });

  it('returns undefined for an unknown customer', async () => {
    ddb.on(GetCommand).resolves({});
    expect(await contacts.get('bob')).toBeUndefined();
  });

  it('replaces the contact only with a newer profile version', async () => {
    ddb.on(PutCommand).resolves({});

    expect(await contacts.apply(alice)).toBe('applied');
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Item: { ...CONTACT_KEY, entityType: 'CONTACT', ...alice },
      ConditionExpression: 'attribute_not_exists(pk) OR profileVersion < :version',
      ExpressionAttributeValues: { ':version': 2 },
    });
  });

  it('answers stale when the same or a newer version is stored', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    expect(await contacts.apply(alice)).toBe('stale');
  });
});

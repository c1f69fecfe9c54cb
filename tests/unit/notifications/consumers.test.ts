import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.IDEMPOTENCY_TABLE_NAME = 'commerce-test-idempotency';
  process.env.NOTIFICATIONS_TABLE_NAME = 'commerce-test-notifications';
  process.env.MAIL_FROM_ADDRESS = 'orders@shop.example.com';
  process.env.CUSTOMER_CONTACT_KEY_ID = 'alias/commerce-test-customer-contact';
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { SESv2Client, SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as list } from '../../../functions/notifications/list-notifications.js';
import { handler as projectContacts } from '../../../functions/notifications/on-customer-events.js';
import { handler as notify } from '../../../functions/notifications/on-order-and-payment-events.js';
import { logger, metrics } from '../../../shared/observability.js';
import { queueBatch } from '../shared/bus-events.js';
import { fakeContext, type HttpEventOptions, httpEvent } from '../shared/lambda-fakes.js';

const TABLE = 'commerce-test-notifications';
const documents = mockClient(DynamoDBDocumentClient);
/** Powertools idempotency talks to its table through the plain client. */
const idempotency = mockClient(DynamoDBClient);
const ses = mockClient(SESv2Client);
const kms = mockClient(KMSClient);

const sample = (name: string, version = 1) =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../../events/samples', `${name}.v${version}.json`), 'utf8'),
  );

beforeEach(() => {
  documents.reset();
  idempotency.reset();
  ses.reset();
  kms.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });
  idempotency.on(PutItemCommand).resolves({});
  idempotency.on(UpdateItemCommand).resolves({});
  documents.on(PutCommand).resolves({});
  documents.on(UpdateCommand).resolves({});
  documents.on(GetCommand).resolves({
    Item: { customerId: 'alice', name: 'Alice', email: 'alice@example.com', profileVersion: 2 },
  });
});
afterEach(() => vi.restoreAllMocks());

describe('notificationsNotify', () => {
  it('turns an OrderCancelled event into one recorded notification, e-mailed through SES', async () => {
    await notify(queueBatch(sample('OrderCancelled')), fakeContext('commerce-test-notify'));

    const [put] = documents.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(put).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        notificationId: 'ntf-00000000-0000-0000-0000-0000000007d2',
        customerId: 'alice',
        kind: 'order-cancelled',
        subject: 'Your order ord-7f3c2a was cancelled',
        channel: 'ses',
        recipient: 'alice@example.com',
        status: 'recorded',
        correlationId: 'req-4e2b',
      },
    });
    expect(put?.Item?.body).toContain('(€113.00) was cancelled because some of its items are out of stock.');
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toMatchObject({
      FromEmailAddress: 'orders@shop.example.com',
      Destination: { ToAddresses: ['alice@example.com'] },
      Content: { Simple: { Subject: { Data: 'Your order ord-7f3c2a was cancelled' } } },
    });
    expect(documents.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':status': 'sent',
      ':providerMessageId': 'ses-message-1',
    });
  });

  it('fails the record when SES throttles, so the queue delivers the event again', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(
        new TooManyRequestsException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } }),
      );

    // Its only record failed: the whole invocation fails (Powertools' FullBatchFailureError), and the
    // queue delivers the batch again after its visibility timeout.
    await expect(
      notify(queueBatch(sample('OrderConfirmed')), fakeContext('commerce-test-notify')),
    ).rejects.toThrow('All records failed processing');

    const [release] = documents.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(release?.UpdateExpression).toContain('releasedForRetry = :yes');
  });

  it('does nothing more for a PaymentDeclined it has recorded before, with no idempotency record', async () => {
    const { ConditionalCheckFailedException } = await import('@aws-sdk/client-dynamodb');
    documents
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));

    documents
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'not released', $metadata: {} }));

    await notify(queueBatch(sample('PaymentDeclined')), fakeContext('commerce-test-notify'));

    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    const updates = documents.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates).toEqual([
      expect.objectContaining({ UpdateExpression: 'REMOVE releasedForRetry SET updatedAt = :at' }),
    ]);
    expect(idempotency.calls()).toHaveLength(0);
  });
});

describe('notificationsProjectContacts', () => {
  it('opens the sealed contact of a CustomerProfileUpdated v2 with the contact key and stores it if newer', async () => {
    const event = sample('CustomerProfileUpdated', 2);
    kms
      .on(DecryptCommand)
      .resolves({ Plaintext: Buffer.from(JSON.stringify({ name: 'Alice', email: 'alice@example.com' })) });

    await projectContacts(event, fakeContext('commerce-test-project-contacts'));

    expect(kms.commandCalls(DecryptCommand).map((call) => call.args[0].input)).toEqual([
      {
        KeyId: 'alias/commerce-test-customer-contact',
        CiphertextBlob: Buffer.from(event.detail.data.sealedContact, 'base64'),
        EncryptionContext: { customerId: 'alice', purpose: 'customer-contact' },
      },
    ]);
    expect(documents.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      Item: {
        pk: 'CUSTOMER#alice',
        sk: 'CONTACT',
        name: 'Alice',
        email: 'alice@example.com',
        profileVersion: 2,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR profileVersion < :version',
    });
  });

  it('acknowledges a v2 whose contact can never be opened, stores nothing and warns with ids only', async () => {
    kms.on(DecryptCommand).rejects(new InvalidCiphertextException({ message: 'invalid', $metadata: {} }));
    const warn = vi.spyOn(logger, 'warn');
    const addMetric = vi.spyOn(metrics, 'addMetric');

    await expect(
      projectContacts(sample('CustomerProfileUpdated', 2), fakeContext('commerce-test-project-contacts')),
    ).resolves.toBeUndefined();

    expect(documents.commandCalls(PutCommand)).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('cannot be opened'), {
      customerId: 'alice',
      profileVersion: 2,
      eventId: '00000000-0000-0000-0000-000000000bbb',
    });
    expect(addMetric).toHaveBeenCalledWith('ContactsUnreadable', 'Count', 1);
  });

  it('fails a v2 when KMS is throttled, so the event is delivered again', async () => {
    kms
      .on(DecryptCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(
      projectContacts(sample('CustomerProfileUpdated', 2), fakeContext('commerce-test-project-contacts')),
    ).rejects.toThrow('Rate exceeded');
    expect(documents.commandCalls(PutCommand)).toEqual([]);
  });

  it('still stores the clear contact of a CustomerProfileUpdated v1 (replays of stored events)', async () => {
    await projectContacts(sample('CustomerProfileUpdated'), fakeContext('commerce-test-project-contacts'));

    expect(documents.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      Item: { pk: 'CUSTOMER#alice', sk: 'CONTACT', email: 'alice@example.com', profileVersion: 2 },
      ConditionExpression: 'attribute_not_exists(pk) OR profileVersion < :version',
    });
  });
});

describe('GET /admin/notifications', () => {
  const get = (claims: HttpEventOptions['claims'], query?: Record<string, string>) =>
    list(
      httpEvent({ path: '/admin/notifications', claims, ...(query ? { queryStringParameters: query } : {}) }),
      fakeContext(),
    ).then((result) => ({ status: result.statusCode, body: JSON.parse(String(result.body)) }));
  const ADMIN = { sub: 'root', 'cognito:groups': ['admin'] };

  it("answers an admin with the customer's page, newest first", async () => {
    documents.on(QueryCommand).resolves({
      Items: [{ pk: 'NOTIFICATION#ntf-1', sk: 'NOTIFICATION', notificationId: 'ntf-1', customerId: 'alice' }],
    });

    const response = await get(ADMIN, { customerId: 'alice', limit: '5' });

    expect(response).toEqual({
      status: 200,
      body: { items: [{ notificationId: 'ntf-1', customerId: 'alice' }], nextCursor: null },
    });
    expect(documents.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      ExpressionAttributeValues: { ':partition': 'alice' },
      ScanIndexForward: false,
      Limit: 5,
    });
  });

  it('requires customerId and lists every bad parameter', async () => {
    const response = await get(ADMIN, { limit: '500' });

    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'customerId',
      'limit',
    ]);
  });

  it('is for admins only', async () => {
    expect((await get({ sub: 'alice' }, { customerId: 'alice' })).status).toBe(403);
    expect((await get(undefined, { customerId: 'alice' })).status).toBe(401);
    expect(documents.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Every log line is printed here, DEBUG included: a line that is only quiet in production still leaks.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.IDEMPOTENCY_TABLE_NAME = 'commerce-test-idempotency';
  process.env.NOTIFICATIONS_TABLE_NAME = 'commerce-test-notifications';
  process.env.CUSTOMERS_TABLE_NAME = 'commerce-test-customers';
  process.env.EVENT_SOURCE = 'commerce.customers';
  process.env.MAIL_FROM_ADDRESS = 'orders@shop.example.com';
  process.env.CUSTOMER_CONTACT_KEY_ID = 'alias/commerce-test-customer-contact';
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as updateMe } from '../../../functions/customers/update-me.js';
import { handler as projectContacts } from '../../../functions/notifications/on-customer-events.js';
import { handler as notify } from '../../../functions/notifications/on-order-and-payment-events.js';
import { queueBatch } from '../shared/bus-events.js';
import { fakeContext, httpEvent } from '../shared/lambda-fakes.js';

const EMAIL = 'zelda.quintero@example.com';
const NAME = 'Zelda Quintero';
const documents = mockClient(DynamoDBDocumentClient);
const idempotency = mockClient(DynamoDBClient);
const ses = mockClient(SESv2Client);
const kms = mockClient(KMSClient);
let printed: string[] = [];

const sample = (name: string, version = 1) => {
  const event = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../../events/samples', `${name}.v${version}.json`), 'utf8'),
  );
  if (event.detail.data.email) Object.assign(event.detail.data, { email: EMAIL, name: NAME });
  return event;
};

/** The printed lines that mention the customer: the e-mail, the name or a line of the message body. */
function leaks(): string[] {
  return printed.filter((line) => [EMAIL, NAME, 'Hello '].some((needle) => line.includes(needle)));
}

beforeEach(() => {
  printed = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
  }
  documents.reset();
  idempotency.reset();
  ses.reset();
  kms.reset();
  kms.on(EncryptCommand).resolves({ CiphertextBlob: Uint8Array.from([1, 2, 3, 4]) });
  kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(JSON.stringify({ name: NAME, email: EMAIL })) });
  idempotency.on(PutItemCommand).resolves({});
  idempotency.on(UpdateItemCommand).resolves({});
  documents.on(PutCommand).resolves({});
  documents.on(UpdateCommand).resolves({});
  documents.on(TransactWriteCommand).resolves({});
  documents
    .on(GetCommand)
    .resolves({ Item: { customerId: 'alice', name: NAME, email: EMAIL, profileVersion: 2 } });
});
afterEach(() => vi.restoreAllMocks());

describe('logs hold no e-mail address, name or message', () => {
  it('when a notification is sent', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });

    await notify(queueBatch(sample('OrderConfirmed')), fakeContext('commerce-test-notify'));

    expect(printed.length).toBeGreaterThan(0);
    expect(leaks()).toEqual([]);
  });

  it('when SES refuses it with a message that quotes the address', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(new MessageRejected({ message: `Email address is not verified: ${EMAIL}`, $metadata: {} }));

    await notify(queueBatch(sample('OrderConfirmed')), fakeContext('commerce-test-notify'));

    expect(printed.join('')).toContain('MessageRejected');
    expect(leaks()).toEqual([]);
  });

  it('when SES throttles and the record fails', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(new TooManyRequestsException({ message: `Slow down for ${EMAIL}`, $metadata: {} }));

    const failure = await notify(
      queueBatch(sample('OrderConfirmed')),
      fakeContext('commerce-test-notify'),
    ).catch((error: Error) => error);

    expect(String(failure)).not.toContain(EMAIL);
    expect(printed.join('')).toContain('Message failed');
    expect(leaks()).toEqual([]);
  });

  it('when a contact is projected, or an event has no handler', async () => {
    await projectContacts(sample('CustomerProfileUpdated', 2), fakeContext('commerce-test-project-contacts'));
    await projectContacts(sample('CustomerProfileUpdated'), fakeContext('commerce-test-project-contacts'));
    await notify(queueBatch(sample('CustomerProfileUpdated')), fakeContext('commerce-test-notify'));

    expect(printed.join('')).toContain('Ignoring an event');
    expect(leaks()).toEqual([]);
  });

  it('when a customer updates their profile (PUT /me)', async () => {
    documents.on(GetCommand).resolves({
      Item: { customerId: 'alice', profileVersion: 1, createdAt: '2026-11-22T10:00:00.000Z' },
    });

    const response = await updateMe(
      httpEvent({
        method: 'PUT',
        path: '/me',
        claims: { sub: 'alice' },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: NAME, email: EMAIL }),
      }),
      fakeContext(),
    );

    expect(response.statusCode).toBe(200);
    expect(leaks()).toEqual([]);
  });
});

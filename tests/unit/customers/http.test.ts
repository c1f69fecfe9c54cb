import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.CUSTOMERS_TABLE_NAME = 'commerce-test-customers';
  process.env.EVENT_SOURCE = 'commerce.customers';
  process.env.CUSTOMER_CONTACT_KEY_ID = 'alias/commerce-test-customer-contact';
});

import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as getMe } from '../../../functions/customers/get-me.js';
import { handler as updateMe } from '../../../functions/customers/update-me.js';
import { fakeContext, type HttpEventOptions, httpEvent } from '../shared/lambda-fakes.js';

const ddb = mockClient(DynamoDBDocumentClient);
const kms = mockClient(KMSClient);
const SEALED = Uint8Array.from([9, 8, 7, 6, 5, 4]);
const ALICE = { sub: 'alice' };
const STORED = {
  pk: 'CUSTOMER#alice',
  sk: 'PROFILE',
  entityType: 'PROFILE',
  customerId: 'alice',
  profileVersion: 1,
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
};

async function call(route: typeof getMe, options: HttpEventOptions) {
  const result = await route(httpEvent(options), fakeContext());
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: typeof result.body === 'string' ? JSON.parse(result.body) : undefined,
  };
}

const put = (body: unknown, claims: HttpEventOptions['claims'] = ALICE) =>
  call(updateMe, {
    method: 'PUT',
    path: '/me',
    claims,
    headers: { 'content-type': 'application/json', 'x-correlation-id': 'req-me-1' },
    body: JSON.stringify(body),
  });

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({ Item: STORED });
  ddb.on(PutCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  kms.reset();
  kms.on(EncryptCommand).resolves({ CiphertextBlob: SEALED });
});
afterEach(() => {
  ddb.reset();
  kms.reset();
});

describe('GET /me', () => {
  it("creates the caller's profile on first use, keyed by the token's subject", async () => {
    // given no stored profile
    ddb.on(GetCommand).resolves({});

    // when alice asks for her profile
    const response = await call(getMe, { path: '/me', claims: ALICE });

    // then she gets a new, empty profile, stored only if none exists
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      customerId: 'alice',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'commerce-test-customers',
      Item: { pk: 'CUSTOMER#alice', sk: 'PROFILE', customerId: 'alice', profileVersion: 1 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('shows a stored profile without writing', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...STORED, name: 'Alice', email: 'alice@example.com' } });

    const response = await call(getMe, { path: '/me', claims: ALICE });

    expect(response.body).toEqual({
      customerId: 'alice',
      name: 'Alice',
      email: 'alice@example.com',
      createdAt: STORED.createdAt,
      updatedAt: STORED.updatedAt,
    });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers 401 without a token', async () => {
    expect((await call(getMe, { path: '/me' })).status).toBe(401);
    expect(ddb.calls()).toHaveLength(0);
  });
});

describe('PUT /me', () => {
  it('answers 200 with the profile, stored with CustomerProfileUpdated in one transaction', async () => {
    const response = await put({ name: '  Alice Liddell ', email: 'alice@example.com' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      customerId: 'alice',
      name: 'Alice Liddell',
      email: 'alice@example.com',
    });
    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((item) => item.Put?.Item?.pk)).toEqual([
      'CUSTOMER#alice',
      expect.stringMatching(/^OUTBOX#/),
    ]);
    expect(items[1]?.Put?.Item).toMatchObject({
      source: 'commerce.customers',
      detailType: 'CustomerProfileUpdated',
      envelope: {
        metadata: { correlationId: 'req-me-1', eventVersion: 2 },
        data: { profileVersion: 2, sealedContact: Buffer.from(SEALED).toString('base64') },
      },
    });
    // the outbox (and so the bus) holds the details only as the contact key's ciphertext, bound to alice
    expect(JSON.stringify(items[1]?.Put?.Item)).not.toMatch(/Liddell|alice@example\.com/);
    expect(kms.commandCalls(EncryptCommand).map((call) => call.args[0].input)).toEqual([
      {
        KeyId: 'alias/commerce-test-customer-contact',
        Plaintext: Buffer.from(JSON.stringify({ name: 'Alice Liddell', email: 'alice@example.com' })),
        EncryptionContext: { customerId: 'alice', purpose: 'customer-contact' },
      },
    ]);
  });

  it('lists every offending field of a bad body', async () => {
    const response = await put({ name: '   ', email: 'not-an-email', phone: '555' });

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'is required' },
        { path: 'email', message: 'must be a valid e-mail address' },
        { path: 'phone', message: 'is not an allowed field' },
      ]),
    );
    expect(response.body.errors).toHaveLength(3);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('requires both fields and limits the name to 200 characters', async () => {
    const missing = await put({});
    expect(missing.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'email',
      'name',
    ]);

    const long = await put({ name: 'x'.repeat(201), email: 'alice@example.com' });
    expect(long.body.errors).toEqual([{ path: 'name', message: 'must be at most 200 characters' }]);
  });

  it('answers 409 when the profile keeps changing underneath', async () => {
    const { TransactionCanceledException } = await import('@aws-sdk/client-dynamodb');
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );

    const response = await put({ name: 'Alice', email: 'alice@example.com' });

    expect(response.status).toBe(409);
    expect(response.body.type).toBe('urn:commerce:problem:profile-version-conflict');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(5);
  });
});

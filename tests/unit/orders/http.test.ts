import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writesSent } from '../shared/dynamodb-writes.js';

vi.hoisted(() => {
  process.env.ORDERS_TABLE_NAME = 'commerce-test-orders';
  process.env.EVENT_SOURCE = 'commerce.orders';
  process.env.PAYMENT_TOKEN_KEY_ID = 'alias/commerce-test-payment-token';
});

import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as getOrder } from '../../../functions/orders/get-order.js';
import { handler as placeOrder } from '../../../functions/orders/place-order.js';
import { fakeContext, type HttpEventOptions, httpEvent } from '../shared/lambda-fakes.js';
import { anOrder, eur } from './fakes.js';

const ddb = mockClient(DynamoDBDocumentClient);
const kms = mockClient(KMSClient);
const CIPHERTEXT = Buffer.from('ciphertext-only-payments-can-open');
const ALICE = { sub: 'alice' };
const validBody = { items: [{ productId: 'espresso-cup', quantity: 2 }], paymentToken: 'tok_visa' };

async function call(route: typeof placeOrder, options: HttpEventOptions) {
  const result = await route(httpEvent(options), fakeContext());
  return {
    status: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: typeof result.body === 'string' ? JSON.parse(result.body) : undefined,
  };
}

const post = (body: unknown, headers: Record<string, string> = { 'idempotency-key': 'key-1' }) =>
  call(placeOrder, {
    method: 'POST',
    path: '/orders',
    claims: ALICE,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  ddb
    .on(BatchGetCommand)
    .resolves({ Responses: { 'commerce-test-orders': [{ productId: 'espresso-cup', price: eur(1200) }] } });
  ddb.on(TransactWriteCommand).resolves({});
  kms.reset();
  kms.on(EncryptCommand).resolves({ CiphertextBlob: CIPHERTEXT });
});
afterEach(() => {
  ddb.reset();
  kms.reset();
});

describe('POST /orders', () => {
  it('answers 202 with the PENDING order and where to find it', async () => {
    const response = await post(validBody);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ orderId: expect.any(String), status: 'PENDING' });
    expect(response.headers.location).toBe(`/orders/${response.body.orderId}`);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('seals the payment token for payments, bound to the order, and stores only the ciphertext', async () => {
    const response = await post({ ...validBody, paymentToken: 'tok_visa_4f1c' });

    expect(response.status).toBe(202);
    expect(kms.commandCalls(EncryptCommand).map((call) => call.args[0].input)).toEqual([
      {
        KeyId: 'alias/commerce-test-payment-token',
        Plaintext: Buffer.from('tok_visa_4f1c'),
        EncryptionContext: { orderId: response.body.orderId, purpose: 'payment-token' },
      },
    ]);
    const written = JSON.stringify(ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input);
    expect(written).not.toContain('tok_visa_4f1c');
    expect(written).toContain(CIPHERTEXT.toString('base64'));
  });

  it('refuses a request without Idempotency-Key with a 400 problem naming the header', async () => {
    const response = await post(validBody, {});
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      status: 400,
      detail: expect.stringContaining('Idempotency-Key'),
      errors: [{ path: 'headers.Idempotency-Key', message: expect.stringContaining('required') }],
    });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('lists every offending field of a bad body', async () => {
    const response = await post({
      items: [
        { productId: 'a', quantity: 0 },
        { productId: 'b', quantity: 2.5, colour: 'red' },
        { productId: 'c', quantity: 101 },
      ],
      coupon: 'FREE',
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(
      [
        'coupon',
        'items.0.quantity',
        'items.1.colour',
        'items.1.quantity',
        'items.2.quantity',
        'paymentToken',
      ].sort(),
    );
  });

  it('applies the 100 limit to the merged lines of one product', async () => {
    const response = await post({
      ...validBody,
      items: [
        { productId: 'c', quantity: 60 },
        { productId: 'd', quantity: 1 },
        { productId: 'c', quantity: 40 },
        { productId: 'c', quantity: 1 },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { path: 'items.3.quantity', message: 'together with the other lines of product "c" exceeds 100' },
    ]);
  });

  it('refuses empty orders and more than 50 lines', async () => {
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ productId: `p${i}`, quantity: 1 }));
    expect((await post({ ...validBody, items: [] })).body.errors).toEqual([
      { path: 'items', message: expect.any(String) },
    ]);
    expect((await post({ ...validBody, items: tooMany })).body.errors).toEqual([
      { path: 'items', message: 'must hold at most 50 lines' },
    ]);
  });

  it('answers a product without a known price with a 422 problem naming the line', async () => {
    const response = await post({
      ...validBody,
      items: [...validBody.items, { productId: 'ghost', quantity: 1 }],
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      type: 'urn:commerce:problem:order-not-priceable',
      errors: [{ path: 'items.1.productId', message: expect.stringContaining('ghost') }],
    });
    expect(writesSent(ddb)).toEqual([]);
  });

  it('answers a total above the money limit with a 422 problem saying so, and stores nothing', async () => {
    // given a product priced at 1,500,000,000 IDR (minor units)
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        'commerce-test-orders': [
          { productId: 'palm-oil', price: { amount: 1_500_000_000, currency: 'IDR' } },
        ],
      },
    });

    // when 100 units are ordered (150,000,000,000 minor units, above the contracts' 100,000,000,000)
    const response = await post({ ...validBody, items: [{ productId: 'palm-oil', quantity: 100 }] });

    // then a 422 problem names the total and the limit, and no order, key or event was written
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      type: 'urn:commerce:problem:order-total-too-large',
      title: 'Unprocessable Content',
      status: 422,
      detail: expect.stringContaining('exceeds the limit of 100000000000'),
      total: { amount: 150_000_000_000, currency: 'IDR' },
      maxTotal: { amount: 100_000_000_000, currency: 'IDR' },
    });
    expect(writesSent(ddb)).toEqual([]);
  });

  it('accepts 50 distinct products, the most an order may list', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => ({ productId: `p${i}`, quantity: 1 }));
    ddb.on(BatchGetCommand).resolves({
      Responses: { 'commerce-test-orders': fifty.map(({ productId }) => ({ productId, price: eur(100) })) },
    });

    const response = await post({ ...validBody, items: fifty });

    expect(response.status).toBe(202);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('answers the same key with another body with a 409 problem', async () => {
    ddb.on(GetCommand).resolves({ Item: { requestHash: 'of-another-body', orderId: 'ord-1' } });
    const response = await post(validBody);
    expect(response.status).toBe(409);
    expect(response.body.type).toBe('urn:commerce:problem:idempotency-key-reused');
  });
});

describe('GET /orders/{orderId}', () => {
  const get = (claims: Record<string, string | string[]>) =>
    call(getOrder, { path: '/orders/ord-1', pathParameters: { orderId: 'ord-1' }, claims });

  beforeEach(() => {
    ddb
      .on(GetCommand)
      .resolves({ Item: { pk: 'ORDER#ord-1', sk: 'ORDER', entityType: 'ORDER', ...anOrder() } });
  });

  it('shows the order to its owner and to an admin', async () => {
    const owner = await get(ALICE);
    expect(owner.status).toBe(200);
    expect(owner.body).toEqual({
      orderId: 'ord-1',
      customerId: 'alice',
      status: 'PENDING',
      items: anOrder().items,
      total: anOrder().total,
      createdAt: anOrder().createdAt,
      updatedAt: anOrder().updatedAt,
    });
    expect((await get({ sub: 'root', 'cognito:groups': ['admin'] })).status).toBe(200);
  });

  it('answers anyone else 404, and no token 401', async () => {
    expect((await get({ sub: 'bob' })).status).toBe(404);
    expect((await get({})).status).toBe(401);
  });
});

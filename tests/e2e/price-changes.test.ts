import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, tokenFor, uniqueId, waitForBusEvent } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { queueUrl, stack } from '../support/stack.js';

let admin: string;
const sqs = new SQSClient({
  endpoint: stack.sqs,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

async function createProduct(amount = 1000) {
  const productId = uniqueId('price');
  const created = await call('POST', '/products', {
    token: admin,
    body: { productId, name: 'Cezve', description: '', price: { amount, currency: 'EUR' } },
  });
  expect(created.status).toBe(201);
  return productId;
}

beforeAll(async () => {
  admin = await tokenFor('price-admin', { admin: true });
});
afterAll(() => sqs.destroy());

describe('PUT /products/{id}/price', () => {
  it('applies ten rapid changes in the order received, ending at the last one', async () => {
    const productId = await createProduct();
    const amounts = Array.from({ length: 10 }, (_, i) => 2000 + i * 10);
    for (const amount of amounts) {
      const accepted = await call('PUT', `/products/${productId}/price`, {
        token: admin,
        body: { amount, currency: 'EUR' },
      });
      expect(accepted.status).toBe(202);
    }
    const product = await eventually(
      async () => {
        const { body } = await call('GET', `/products/${productId}`);
        return body.priceVersion === 11 ? body : undefined;
      },
      { description: 'all ten price changes applied', timeoutMs: 30_000 },
    );
    expect(product.price).toEqual({ amount: amounts.at(-1), currency: 'EUR' });

    // Every change was applied on top of the previous one: version n carries the (n-1)th amount.
    for (const [index, amount] of amounts.entries()) {
      const event = await waitForBusEvent(
        { detailType: 'PriceChanged' },
        (candidate) =>
          candidate.detail.data.productId === productId && candidate.detail.data.priceVersion === index + 2,
      );
      expect(event.detail.data.price.amount).toBe(amount);
      expect(event.detail.data.previousPrice.amount).toBe(index === 0 ? 1000 : amounts[index - 1]);
    }
  });

  it('publishes PriceChanged carrying the request x-correlation-id', async () => {
    const productId = await createProduct();
    const correlationId = uniqueId('corr-price');
    const accepted = await call('PUT', `/products/${productId}/price`, {
      token: admin,
      body: { amount: 4321, currency: 'EUR' },
      headers: { 'x-correlation-id': correlationId },
    });
    expect(accepted.headers.get('x-correlation-id')).toBe(correlationId);
    const event = await waitForBusEvent({ detailType: 'PriceChanged', correlationId });
    expect(event.detail.data).toMatchObject({ productId, price: { amount: 4321, currency: 'EUR' } });
    expect(event.detail.metadata.correlationId).toBe(correlationId);
  });

  it('answers 404 for an unknown product and 400 for an invalid price', async () => {
    expect(
      (
        await call('PUT', '/products/no-such-product/price', {
          token: admin,
          body: { amount: 1, currency: 'EUR' },
        })
      ).status,
    ).toBe(404);
    const invalid = await call('PUT', '/products/espresso-cup/price', {
      token: admin,
      body: { amount: 12.5, currency: 'eur' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: { path: string }) => error.path).sort()).toEqual([
      'amount',
      'currency',
    ]);
  });

  it('moves a poison message to the dead-letter queue after its retries', async () => {
    const poisonId = uniqueId('poison');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl('catalog-price-changes.fifo'),
        MessageBody: JSON.stringify({ poisonId, this: 'is not a price change' }),
        MessageGroupId: poisonId,
        MessageDeduplicationId: poisonId,
      }),
    );
    const deadLetter = await eventually(
      async () => {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl('catalog-price-changes-dlq.fifo'),
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
          }),
        );
        return Messages?.find((message) => message.Body?.includes(poisonId));
      },
      { description: 'the poison message in the DLQ', timeoutMs: 45_000, intervalMs: 500 },
    );
    expect(JSON.parse(deadLetter.Body ?? '{}').poisonId).toBe(poisonId);
  });
});

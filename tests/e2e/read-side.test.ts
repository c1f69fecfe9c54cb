import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, uniqueId } from '../support/api.js';
import { runScript } from '../support/cli.js';
import { eventually } from '../support/eventually.js';
import { openShop, type Shop } from '../support/saga.js';
import { queueUrl, stack } from '../support/stack.js';

let shop: Shop;
const sqs = new SQSClient({
  endpoint: stack.sqs,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

beforeAll(async () => {
  shop = await openShop();
});
afterAll(() => sqs.destroy());

async function historyOf(token: string, limit = 100) {
  const pages: any[][] = [];
  let cursor: string | null = null;
  do {
    const query: string = `/orders?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await call('GET', query, { token });
    expect(page.status).toBe(200);
    pages.push(page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor && pages.length < 50);
  return pages;
}

describe('GET /orders (read model built from events)', () => {
  it("lists only the caller's orders, newest first, page by page, with their final status", async () => {
    const product = await shop.product({ stock: 20 });
    const ann = await shop.customer();
    const ben = await shop.customer();
    const anns: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { orderId } = await shop.placeOrder(ann.token, [{ productId: product, quantity: 1 }]);
      anns.push(orderId);
      await shop.waitForStatus(ann.token, orderId, 'CONFIRMED');
    }
    const { orderId: bensOrder } = await shop.placeOrder(ben.token, [{ productId: product, quantity: 1 }]);

    const pages = await eventually(
      async () => {
        const result = await historyOf(ann.token, 2);
        const items = result.flat();
        return items.length === 3 && items.every((item) => item.status === 'CONFIRMED') ? result : undefined;
      },
      { description: "Ann's three confirmed orders in her history" },
    );
    expect(pages.map((page) => page.length)).toEqual([2, 1]);
    expect(pages.flat().map((item) => item.orderId)).toEqual([...anns].reverse());
    expect(pages.flat().every((item) => item.customerId === ann.id)).toBe(true);

    const bens = await eventually(
      async () => {
        const items = (await historyOf(ben.token)).flat();
        return items.length === 1 ? items : undefined;
      },
      { description: "Ben's order in his history" },
    );
    expect(bens[0].orderId).toBe(bensOrder);
  });

  it('refuses a forged cursor and a limit above 100', async () => {
    const { token } = await shop.customer();
    expect((await call('GET', '/orders?limit=101', { token })).status).toBe(400);
    expect((await call('GET', '/orders?cursor=Zm9yZ2Vk', { token })).status).toBe(400);
    expect((await call('GET', '/orders')).status).toBe(401);
  });

  it('is rebuilt identically from the event store by npm run replay', async () => {
    const product = await shop.product({ stock: 5 });
    const cas = await shop.customer();
    const { orderId } = await shop.placeOrder(cas.token, [{ productId: product, quantity: 1 }]);
    await shop.waitForStatus(cas.token, orderId, 'CONFIRMED');
    const declined = await shop.placeOrder(cas.token, [{ productId: product, quantity: 1 }], 'tok_declined');
    await shop.waitForStatus(cas.token, declined.orderId, 'CANCELLED');
    const before = await eventually(
      async () => {
        const items = (await historyOf(cas.token)).flat();
        return items.length === 2 && items.every((item) => item.status !== 'PENDING') ? items : undefined;
      },
      { description: 'the view before the rebuild' },
    );
    // The event store must hold every event of these orders before the read model is wiped.
    await eventually(
      async () => {
        const stored = await call('GET', `/admin/events?aggregateId=${declined.orderId}`, {
          token: shop.admin,
        });
        return (
          stored.body.items?.some((event: any) => event['detail-type'] === 'OrderCancelled') || undefined
        );
      },
      { description: 'the events in the event store' },
    );

    const replay = await runScript('replay.mjs', [
      '--consumer',
      'viewsProjectOrders',
      '--stage',
      'test',
      '--reset-views',
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    const after = (await historyOf(cas.token)).flat();
    expect(after).toEqual(before);
  });
});

describe('GET /admin/events (event store)', () => {
  it('returns the events of one request, in order, to admins only', async () => {
    const product = await shop.product({ stock: 3 });
    const dan = await shop.customer();
    const { orderId, correlationId } = await shop.placeOrder(dan.token, [
      { productId: product, quantity: 1 },
    ]);
    await shop.waitForStatus(dan.token, orderId, 'CONFIRMED');

    const events = await eventually(
      async () => {
        const { body } = await call('GET', `/admin/events?correlationId=${correlationId}`, {
          token: shop.admin,
        });
        const types = body.items?.map((event: any) => event['detail-type']) ?? [];
        return types.includes('OrderConfirmed') && types.includes('PaymentCaptured') ? body.items : undefined;
      },
      { description: 'the saga events in the store' },
    );
    const types = events.map((event: any) => event['detail-type']);
    expect(types[0]).toBe('OrderPlaced');
    expect(types.indexOf('StockReserved')).toBeLessThan(types.indexOf('PaymentAuthorized'));
    expect(types.indexOf('PaymentAuthorized')).toBeLessThan(types.indexOf('OrderConfirmed'));
    const times = events.map((event: any) => event.detail.metadata.occurredAt);
    expect([...times].sort()).toEqual(times);
    for (const event of events) expect(event.detail.metadata.correlationId).toBe(correlationId);

    const byAggregate = await call('GET', `/admin/events?aggregateId=${orderId}`, { token: shop.admin });
    expect(byAggregate.status).toBe(200);
    expect(byAggregate.body.items.length).toBeGreaterThanOrEqual(4);
    for (const event of byAggregate.body.items) expect(JSON.stringify(event.detail.data)).toContain(orderId);

    expect(
      (await call('GET', `/admin/events?correlationId=${correlationId}`, { token: dan.token })).status,
    ).toBe(403);
    expect((await call('GET', '/admin/events', { token: shop.admin })).status).toBe(400);
  });
});

describe('npm run redrive', () => {
  it('moves a poisoned price change back from its DLQ once the cause is fixed', async () => {
    const productId = uniqueId('late');
    // A change for a product that does not exist yet fails on every delivery and lands in the DLQ.
    const commandId = uniqueId('cmd');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl('catalog-price-changes.fifo'),
        MessageGroupId: productId,
        MessageDeduplicationId: commandId,
        MessageBody: JSON.stringify({
          commandId,
          productId,
          price: { amount: 777, currency: 'EUR' },
          requestedAt: new Date().toISOString(),
          correlationId: commandId,
        }),
      }),
    );
    await eventually(
      async () => {
        const listed = await runScript('redrive.mjs', [
          'catalog-price-changes',
          '--dry-run',
          '--stage',
          'test',
        ]);
        return listed.stdout.includes(productId) || listed.stderr.includes(productId) || undefined;
      },
      { description: 'the poisoned change in the DLQ', timeoutMs: 45_000, intervalMs: 1000 },
    );

    // The cause is fixed: the product now exists.
    const created = await call('POST', '/products', {
      token: shop.admin,
      body: { productId, name: 'Late product', description: '', price: { amount: 100, currency: 'EUR' } },
    });
    expect(created.status).toBe(201);

    const redrive = await runScript('redrive.mjs', ['catalog-price-changes', '--stage', 'test']);
    expect(redrive.code, redrive.stderr).toBe(0);
    await eventually(
      async () =>
        (await call('GET', `/products/${productId}`)).body.price?.amount === 777 ? true : undefined,
      { description: 'the redriven change to be applied', timeoutMs: 20_000 },
    );
  });
});

describe('customers and notifications', () => {
  it('creates a profile on first use and validates updates', async () => {
    const eve = await shop.customer();
    const first = await call('GET', '/me', { token: eve.token });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ customerId: eve.id });
    expect(typeof first.body.createdAt).toBe('string');

    const invalid = await call('PUT', '/me', {
      token: eve.token,
      body: { name: '', email: 'not-an-email', age: 3 },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: any) => error.path).sort()).toEqual(['age', 'email', 'name']);

    const updated = await call('PUT', '/me', {
      token: eve.token,
      body: { name: 'Eve', email: 'eve@example.com' },
    });
    expect(updated.status).toBe(200);
    expect((await call('GET', '/me', { token: eve.token })).body).toMatchObject({
      customerId: eve.id,
      name: 'Eve',
      email: 'eve@example.com',
      createdAt: first.body.createdAt,
    });
    expect((await call('GET', '/me')).status).toBe(401);
  });

  it('records one notification per confirmed order, cancelled order and declined payment', async () => {
    const product = await shop.product({ stock: 5 });
    const fay = await shop.customer();
    await call('PUT', '/me', { token: fay.token, body: { name: 'Fay', email: 'fay@example.com' } });
    const ok = await shop.placeOrder(fay.token, [{ productId: product, quantity: 1 }]);
    await shop.waitForStatus(fay.token, ok.orderId, 'CONFIRMED');
    const declined = await shop.placeOrder(fay.token, [{ productId: product, quantity: 1 }], 'tok_declined');
    await shop.waitForStatus(fay.token, declined.orderId, 'CANCELLED');

    const kinds = await eventually(
      async () => {
        const { body } = await call('GET', `/admin/notifications?customerId=${fay.id}`, {
          token: shop.admin,
        });
        const found = (body.items ?? []).map((item: any) => item.kind).sort();
        return found.length === 3 ? found : undefined;
      },
      { description: "Fay's three notifications" },
    );
    expect(kinds).toEqual(['order-cancelled', 'order-confirmed', 'payment-declined']);
    expect(
      (await call('GET', `/admin/notifications?customerId=${fay.id}`, { token: fay.token })).status,
    ).toBe(403);
  });
});

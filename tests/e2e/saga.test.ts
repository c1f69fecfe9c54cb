import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StockReservedV1 } from '../../events/inventory/index.js';
import { OrderCancelledV1, OrderPlacedV1 } from '../../events/orders/index.js';
import { type BusEvent, call, uniqueId, waitForBusEvent } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import {
  busEventOf,
  busEvents,
  deliverTo,
  invokeFunction,
  ledgerCounts,
  openShop,
  type Shop,
  sagaConsumers,
  sandboxLedger,
  setSandboxOutage,
} from '../support/saga.js';

/*
 * The order saga end to end, over HTTP against the running stack: orders, inventory and payments talk
 * only through the bus. The scenarios run one after another because some switch the payment sandbox
 * into an outage.
 */
let shop: Shop;

beforeAll(async () => {
  shop = await openShop();
  await setSandboxOutage('off');
});
afterAll(() => setSandboxOutage('off'));

const ledgerFor = async (
  orderId: string,
  kind: 'authorizations' | 'captures' | 'refunds' | 'voids',
): Promise<any[]> => (await sandboxLedger(orderId))[kind] ?? [];

describe('placing an order', () => {
  it('confirms it, sells the stock, captures the payment once and freezes the prices', async () => {
    const cups = await shop.product({ amount: 1200, stock: 10 });
    const grinder = await shop.product({ amount: 8900, stock: 3 });
    const alice = await shop.customer();

    const { orderId } = await shop.placeOrder(alice.token, [
      { productId: cups, quantity: 2 },
      { productId: grinder, quantity: 1 },
    ]);
    const order = await shop.waitForStatus(alice.token, orderId, 'CONFIRMED');

    expect(order).toMatchObject({
      orderId,
      customerId: alice.id,
      total: { amount: 2 * 1200 + 8900, currency: 'EUR' },
    });
    expect(order.items).toEqual(
      expect.arrayContaining([
        { productId: cups, quantity: 2, unitPrice: { amount: 1200, currency: 'EUR' } },
        { productId: grinder, quantity: 1, unitPrice: { amount: 8900, currency: 'EUR' } },
      ]),
    );
    await eventually(async () => (await shop.stock(cups)).onHand === 8 || undefined, {
      description: 'the sale of the cups',
    });
    expect(await shop.stock(cups)).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
    expect(await shop.stock(grinder)).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
    await eventually(async () => (await ledgerFor(orderId, 'captures')).length === 1 || undefined, {
      description: 'the capture',
    });

    // A later price change does not touch a placed order.
    expect(
      (
        await call('PUT', `/products/${cups}/price`, {
          token: shop.admin,
          body: { amount: 9999, currency: 'EUR' },
        })
      ).status,
    ).toBe(202);
    await eventually(
      async () => (await call('GET', `/products/${cups}`)).body.price.amount === 9999 || undefined,
      {
        description: 'the new price',
      },
    );
    expect((await call('GET', `/orders/${orderId}`, { token: alice.token })).body.total.amount).toBe(
      2 * 1200 + 8900,
    );

    // The catalog shows what can still be ordered, from inventory events.
    await eventually(async () => (await call('GET', `/products/${cups}`)).body.available === 8 || undefined, {
      description: 'catalog availability to follow inventory',
    });
  });

  it('lets only the owner and admins read an order', async () => {
    const product = await shop.product();
    const owner = await shop.customer();
    const stranger = await shop.customer();
    const { orderId } = await shop.placeOrder(owner.token, [{ productId: product, quantity: 1 }]);
    expect((await call('GET', `/orders/${orderId}`, { token: stranger.token })).status).toBe(404);
    expect((await call('GET', `/orders/${orderId}`, { token: shop.admin })).status).toBe(200);
    expect((await call('GET', `/orders/${orderId}`)).status).toBe(401);
  });

  it('answers a retried request with the same order, and refuses a reused key with another body', async () => {
    const product = await shop.product();
    const bob = await shop.customer();
    await shop.placeOrder(bob.token, [{ productId: product, quantity: 1 }]); // prices are projected by now
    const key = uniqueId('key');
    const body = { items: [{ productId: product, quantity: 1 }], paymentToken: 'tok_visa' };
    const first = await call('POST', '/orders', {
      token: bob.token,
      body,
      headers: { 'idempotency-key': key },
    });
    const again = await call('POST', '/orders', {
      token: bob.token,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.orderId).toBe(first.body.orderId);

    const other = await call('POST', '/orders', {
      token: bob.token,
      body: { ...body, items: [{ productId: product, quantity: 2 }] },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBeGreaterThanOrEqual(409);
    expect(other.status).toBeLessThanOrEqual(422);

    const missing = await call('POST', '/orders', { token: bob.token, body });
    expect(missing.status).toBe(400);
  });
});

describe('compensations', () => {
  it('cancels with OUT_OF_STOCK when one line of several cannot be served, reserving nothing', async () => {
    const plenty = await shop.product({ stock: 10 });
    const scarce = await shop.product({ stock: 1 });
    const carol = await shop.customer();
    const { orderId } = await shop.placeOrder(carol.token, [
      { productId: plenty, quantity: 2 },
      { productId: scarce, quantity: 2 },
    ]);
    const order = await shop.waitForStatus(carol.token, orderId, 'CANCELLED');
    expect(order.reason).toBe('OUT_OF_STOCK');
    expect(await shop.stock(plenty)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect(await shop.stock(scarce)).toMatchObject({ onHand: 1, reserved: 0, available: 1 });
    expect(await ledgerFor(orderId, 'authorizations')).toHaveLength(0);
  });

  it('cancels with PAYMENT_DECLINED and releases the reserved stock', async () => {
    const product = await shop.product({ stock: 4 });
    const dave = await shop.customer();
    const { orderId } = await shop.placeOrder(
      dave.token,
      [{ productId: product, quantity: 3 }],
      'tok_declined',
    );
    expect((await shop.waitForStatus(dave.token, orderId, 'CANCELLED')).reason).toBe('PAYMENT_DECLINED');
    await eventually(async () => (await shop.stock(product)).available === 4 || undefined, {
      description: 'the reservation to be released',
    });
    expect(await shop.stock(product)).toMatchObject({ onHand: 4, reserved: 0 });
    expect(await ledgerFor(orderId, 'captures')).toHaveLength(0);
  });

  it('refunds and restocks a confirmed order the customer cancels', async () => {
    const product = await shop.product({ stock: 5 });
    const erin = await shop.customer();
    const { orderId } = await shop.placeOrder(erin.token, [{ productId: product, quantity: 2 }]);
    await shop.waitForStatus(erin.token, orderId, 'CONFIRMED');
    await eventually(async () => (await ledgerFor(orderId, 'captures')).length === 1 || undefined, {
      description: 'the capture',
    });

    const stranger = await shop.customer();
    expect((await call('POST', `/orders/${orderId}/cancel`, { token: stranger.token })).status).toBe(404);
    expect((await call('POST', `/orders/${orderId}/cancel`, { token: erin.token })).status).toBe(202);
    const order = await shop.waitForStatus(erin.token, orderId, 'CANCELLED');
    expect(order.reason).toBe('CANCELLED_BY_CUSTOMER');
    await eventually(async () => (await ledgerFor(orderId, 'refunds')).length === 1 || undefined, {
      description: 'the refund',
    });
    await eventually(async () => (await shop.stock(product)).onHand === 5 || undefined, {
      description: 'the restock',
    });
    expect(await shop.stock(product)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    expect((await call('POST', `/orders/${orderId}/cancel`, { token: erin.token })).status).toBe(409);
  });
});

describe('at-least-once delivery', () => {
  /*
   * Each check delivers its copies straight to every consumer, the way that consumer's trigger does, and
   * goes on only once the consumer has acknowledged them (deliverTo). A window of "nothing changed" would
   * also pass if the copies were never processed.
   */
  it('processes every saga event delivered again without a second reservation, sale, charge or change', async () => {
    const product = await shop.product({ stock: 6 });
    const frank = await shop.customer();
    const { orderId, correlationId } = await shop.placeOrder(frank.token, [
      { productId: product, quantity: 2 },
    ]);
    await shop.waitForStatus(frank.token, orderId, 'CONFIRMED');
    const state = async () => ({
      stock: await shop.stock(product),
      ledger: await ledgerCounts(orderId),
      order: (await call('GET', `/orders/${orderId}`, { token: frank.token })).body,
    });
    const sold = await eventually(
      async () => {
        const now = await state();
        expect(now).toMatchObject({
          stock: { onHand: 4, reserved: 0, available: 4 },
          ledger: { authorizations: 1, captures: 1, voids: 0, refunds: 0 },
          order: { status: 'CONFIRMED' },
        });
        return now;
      },
      { description: 'the sale and the capture' },
    );
    const sagaEvents = await busEvents({ correlationId });
    expect(sagaEvents.map((event) => event['detail-type'])).toEqual(
      expect.arrayContaining(['OrderPlaced', 'StockReserved', 'PaymentAuthorized', 'OrderConfirmed']),
    );

    // when inventory, payments and orders each process their events of the saga a second time
    for (const consumer of Object.values(sagaConsumers)) await deliverTo(consumer, sagaEvents);

    // then nothing changed: no second reservation or sale, no second authorization or capture
    expect(await state()).toEqual(sold);

    // and the order's next event, delivered after the copies (in the same FIFO groups), takes effect once
    expect((await call('POST', `/orders/${orderId}/cancel`, { token: frank.token })).status).toBe(202);
    const about = (event: BusEvent) => event.detail.data.orderId === orderId;
    await waitForBusEvent({ detailType: 'StockReleased' }, about);
    await waitForBusEvent({ detailType: 'PaymentRefunded' }, about);
    expect(await state()).toMatchObject({
      stock: { onHand: 6, reserved: 0, available: 6 },
      ledger: { authorizations: 1, captures: 1, voids: 0, refunds: 1 },
      order: { status: 'CANCELLED', reason: 'CANCELLED_BY_CUSTOMER' },
    });
    // and no step was taken twice, even one the ledger would not show (a capture repeated under its
    // idempotency key): each saga event exists once. Anything a copy had caused was stored before the
    // sentinel's effects in the same tables, whose streams are relayed in order: it is on the bus by now.
    const published = await busEvents({ correlationId });
    for (const type of [
      'OrderPlaced',
      'StockReserved',
      'PaymentAuthorized',
      'OrderConfirmed',
      'PaymentCaptured',
    ]) {
      const ids = published
        .filter((event) => event['detail-type'] === type)
        .map((event) => event.detail.metadata.eventId);
      expect(new Set(ids).size, `${type} events of the order`).toBe(1);
    }
  });

  it('reaches the same end when a cancellation overtakes its order: nothing reserved, nothing charged', async () => {
    const product = await shop.product({ stock: 3 });
    const orderId = uniqueId('ooo');
    const correlationId = uniqueId('ooo-corr');
    const at = new Date().toISOString();
    const line = { productId: product, quantity: 1, unitPrice: { amount: 1500, currency: 'EUR' } };
    const common = { orderId, customerId: 'ooo-customer', items: [line], total: line.unitPrice };
    const cancelled = busEventOf(
      OrderCancelledV1,
      { ...common, reason: 'CANCELLED_BY_CUSTOMER', wasConfirmed: false, cancelledAt: at },
      correlationId,
    );
    const placed = busEventOf(
      OrderPlacedV1,
      { ...common, paymentToken: 'tok_visa', placedAt: at },
      correlationId,
    );
    // Even a reservation that raced the cancellation must not get the order authorized.
    const reserved = busEventOf(
      StockReservedV1,
      { orderId, items: [{ productId: product, quantity: 1 }], reservedAt: at },
      correlationId,
    );

    // when inventory and payments learn of the cancellation first, and only then of the order
    for (const consumer of [sagaConsumers.inventory, sagaConsumers.payments]) {
      await deliverTo(consumer, [cancelled]);
      await deliverTo(consumer, [placed, reserved]);
    }

    // then nothing is reserved and nothing is authorized
    expect(await shop.stock(product)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    expect(await ledgerCounts(orderId)).toMatchObject({ authorizations: 0, declines: 0 });
  });
});

describe('payment provider outage', () => {
  it('holds orders while the breaker is open and completes them after recovery', async () => {
    const product = await shop.product({ stock: 10 });
    const grace = await shop.customer();
    await setSandboxOutage('error');
    const orders: Array<{ orderId: string; correlationId: string }> = [];
    for (let i = 0; i < 3; i++)
      orders.push(await shop.placeOrder(grace.token, [{ productId: product, quantity: 1 }]));
    for (const { correlationId } of orders) {
      await eventually(
        async () =>
          (await busEvents({ correlationId, detailType: 'PaymentUnavailable' })).length > 0 || undefined,
        { description: 'PaymentUnavailable', timeoutMs: 20_000 },
      );
    }
    for (const { orderId } of orders) {
      expect((await call('GET', `/orders/${orderId}`, { token: grace.token })).body.status).toBe('PENDING');
    }

    await setSandboxOutage('off');
    await eventually(
      async () => {
        await invokeFunction('paymentsRetryPending');
        const statuses = await Promise.all(
          orders.map(
            async ({ orderId }) =>
              (await call('GET', `/orders/${orderId}`, { token: grace.token })).body.status,
          ),
        );
        return statuses.every((status) => status === 'CONFIRMED') || undefined;
      },
      {
        description: 'the waiting orders to complete once the breaker closes',
        timeoutMs: 40_000,
        intervalMs: 1000,
      },
    );
    // Each capture follows its OrderConfirmed through payments' queue, after the order reads CONFIRMED.
    await eventually(
      async () => {
        for (const { orderId } of orders) expect(await ledgerFor(orderId, 'captures')).toHaveLength(1);
        return true;
      },
      { description: 'one capture per order' },
    );
  });

  it('cancels an order still waiting at its deadline with PAYMENT_UNAVAILABLE and releases its stock', async () => {
    const product = await shop.product({ stock: 2 });
    const heidi = await shop.customer();
    await setSandboxOutage('error');
    const { orderId, correlationId } = await shop.placeOrder(heidi.token, [
      { productId: product, quantity: 2 },
    ]);
    await eventually(
      async () =>
        (await busEvents({ correlationId, detailType: 'PaymentUnavailable' })).length > 0 || undefined,
      { description: 'PaymentUnavailable', timeoutMs: 20_000 },
    );
    const order = await eventually(
      async () => {
        await invokeFunction('ordersExpirePending');
        const { body } = await call('GET', `/orders/${orderId}`, { token: heidi.token });
        return body.status === 'CANCELLED' ? body : undefined;
      },
      { description: 'the deadline to pass', timeoutMs: 60_000, intervalMs: 2000 },
    );
    expect(order.reason).toBe('PAYMENT_UNAVAILABLE');
    await eventually(async () => (await shop.stock(product)).available === 2 || undefined, {
      description: 'the stock to be released',
    });
    // Payments has applied the cancellation (this delivery, or the bus's, whichever came first) ...
    const cancellation = await waitForBusEvent({ detailType: 'OrderCancelled', correlationId });
    await deliverTo(sagaConsumers.payments, [cancellation]);
    // ... so when the provider is back, the pending authorization is dropped, not made
    await setSandboxOutage('off');
    await invokeFunction('paymentsRetryPending');
    expect(await ledgerCounts(orderId)).toMatchObject({ authorizations: 0, captures: 0 });
  });
});

describe('concurrency', () => {
  it('never oversells: 20 customers racing for 5 units get exactly 5 confirmed orders and 5 captures', async () => {
    const product = await shop.product({ stock: 5 });
    const customers = await Promise.all(Array.from({ length: 20 }, () => shop.customer()));
    const placed = await Promise.all(
      customers.map((customer) => shop.placeOrder(customer.token, [{ productId: product, quantity: 1 }])),
    );
    const finals = await Promise.all(
      placed.map(({ orderId }, index) =>
        eventually(
          async () => {
            const { body } = await call('GET', `/orders/${orderId}`, { token: customers[index]?.token });
            return body.status === 'PENDING' ? undefined : body;
          },
          { description: `order ${orderId} to finish`, timeoutMs: 60_000, intervalMs: 300 },
        ),
      ),
    );
    const confirmed = finals.filter((order) => order.status === 'CONFIRMED');
    const cancelled = finals.filter((order) => order.status === 'CANCELLED');
    expect(confirmed).toHaveLength(5);
    expect(cancelled).toHaveLength(15);
    for (const order of cancelled) expect(order.reason).toBe('OUT_OF_STOCK');
    await eventually(async () => (await shop.stock(product)).onHand === 0 || undefined, {
      description: 'all 5 sold',
    });
    expect(await shop.stock(product)).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
    await eventually(
      async () => {
        const captured = await Promise.all(placed.map(({ orderId }) => ledgerFor(orderId, 'captures')));
        return captured.flat().length === 5 || undefined;
      },
      { description: 'exactly 5 captures', timeoutMs: 60_000, intervalMs: 500 },
    );
    const charged = await Promise.all(placed.map(({ orderId }) => ledgerFor(orderId, 'captures')));
    const chargedOrders = placed
      .filter((_, index) => (charged[index]?.length ?? 0) > 0)
      .map(({ orderId }) => orderId);
    expect(chargedOrders.sort()).toEqual(confirmed.map((order) => order.orderId).sort());
  });
});

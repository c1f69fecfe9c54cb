import { describe, expect, it } from 'vitest';
import { cancelOrder } from '../../../domains/orders/cancel-order.js';
import { changeOrder } from '../../../domains/orders/change-order.js';
import { expirePendingOrders } from '../../../domains/orders/expire-pending-orders.js';
import { getOrder } from '../../../domains/orders/get-order.js';
import {
  IdempotencyKeyReused,
  IdempotencyKeyTaken,
  OrderNotCancellable,
  OrderNotFound,
  OrderNotPriceable,
  OrderVersionConflict,
} from '../../../domains/orders/model.js';
import { placeOrder, requestHashOf } from '../../../domains/orders/place-order.js';
import type { IdempotencyRecord, OrderLifecycle } from '../../../domains/orders/ports.js';
import { projectPrice } from '../../../domains/orders/project-price.js';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlacedV2 } from '../../../events/orders/index.js';
import { FakePaymentTokenCipher } from '../shared/payment-token-fakes.js';
import { anOrder, eur, FixedClock, InMemoryOrderRepository, InMemoryPriceBook, T0 } from './fakes.js';

/** A repository on which another request with the same key is always just ahead. */
class RacingRepository extends InMemoryOrderRepository {
  lookups = 0;
  constructor(
    private readonly winner: IdempotencyRecord | undefined,
    private readonly visibleAfterLookups: number,
  ) {
    super();
  }
  override async findIdempotencyRecord(): Promise<IdempotencyRecord | undefined> {
    this.lookups++;
    // the first lookup is the use case's own check before pricing
    return this.lookups > this.visibleAfterLookups + 1 ? this.winner : undefined;
  }
  override async place(): Promise<void> {
    throw new IdempotencyKeyTaken('Being recorded by a concurrent transaction.');
  }
}

const trace = { correlationId: 'req-7a1f', causationId: 'req-7a1f' };
const ALICE = { customerId: 'alice', isAdmin: false };
const BOB = { customerId: 'bob', isAdmin: false };
const ADMIN = { customerId: 'root', isAdmin: true };

function shop(options: { orders?: InMemoryOrderRepository; at?: Date } = {}) {
  const orders = options.orders ?? new InMemoryOrderRepository();
  const prices = new InMemoryPriceBook([
    { productId: 'espresso-cup', price: eur(1200), priceVersion: 1 },
    { productId: 'hand-grinder', price: eur(8900), priceVersion: 3 },
  ]);
  const clock = new FixedClock(options.at ?? T0);
  let ids = 0;
  return { orders, prices, tokens: new FakePaymentTokenCipher(), clock, newId: () => `ord-${++ids}` };
}

const body = {
  items: [
    { productId: 'espresso-cup', quantity: 2 },
    { productId: 'hand-grinder', quantity: 1 },
  ],
  paymentToken: 'tok_visa',
};
const asAlice = (key: string) => ({ customerId: 'alice', idempotencyKey: key });

describe('placeOrder', () => {
  it('prices the lines from the projection, stores a PENDING order and records OrderPlaced with the trace', async () => {
    // given known prices
    const ports = shop();

    // when alice places an order, naming the cups twice
    const input = { ...body, items: [...body.items, { productId: 'espresso-cup', quantity: 1 }] };
    const placed = await placeOrder(input, asAlice('key-1'), ports, trace);

    // then the answer is the new PENDING order
    expect(placed).toEqual({ orderId: 'ord-1', status: 'PENDING' });
    // with merged lines at the projected prices
    const order = await ports.orders.get('ord-1');
    expect(order).toMatchObject({
      customerId: 'alice',
      status: 'PENDING',
      items: [
        { productId: 'espresso-cup', quantity: 3, unitPrice: eur(1200) },
        { productId: 'hand-grinder', quantity: 1, unitPrice: eur(8900) },
      ],
      total: eur(3 * 1200 + 8900),
      paymentUnavailable: false,
      correlationId: 'req-7a1f',
      version: 1,
      createdAt: T0.toISOString(),
    });
    // and one OrderPlaced v2, valid against its contract, carrying the sealed payment token and the trace
    expect(ports.orders.outbox).toHaveLength(1);
    const event = OrderPlacedV2.envelopeSchema.parse(ports.orders.outbox[0]);
    expect(event.metadata).toMatchObject({
      correlationId: 'req-7a1f',
      causationId: 'req-7a1f',
      producer: 'orders',
    });
    expect(event.data).toEqual({
      orderId: 'ord-1',
      customerId: 'alice',
      items: order?.items,
      total: order?.total,
      sealedPaymentToken: expect.any(String),
      placedAt: T0.toISOString(),
      orderVersion: 1,
    });
    // sealed for this order alone, and in clear nowhere in what is stored
    expect(ports.tokens.peek(event.data.sealedPaymentToken)).toEqual({ token: 'tok_visa', orderId: 'ord-1' });
    expect(JSON.stringify([...ports.orders.orders.values(), ports.orders.outbox])).not.toContain('tok_visa');
    // and the key is kept with the order
    expect(await ports.orders.findIdempotencyRecord('alice', 'key-1')).toEqual({
      customerId: 'alice',
      key: 'key-1',
      requestHash: requestHashOf(input),
      orderId: 'ord-1',
    });
  });

  it('freezes prices at placement: a later price change does not touch the order', async () => {
    const ports = shop();
    await placeOrder(body, asAlice('key-1'), ports, trace);

    // when the cups get more expensive
    await projectPrice(
      { productId: 'espresso-cup', price: eur(9999), priceVersion: 2, updatedAt: T0.toISOString() },
      ports,
    );

    // then the placed order keeps its price, and only new orders pay the new one
    expect((await ports.orders.get('ord-1'))?.items[0]?.unitPrice).toEqual(eur(1200));
    await placeOrder(body, asAlice('key-2'), ports, trace);
    expect((await ports.orders.get('ord-2'))?.items[0]?.unitPrice).toEqual(eur(9999));
  });

  it('answers a retry with the same key and body with the same order, storing nothing more', async () => {
    const ports = shop();
    const first = await placeOrder(body, asAlice('key-1'), ports, trace);

    // when the client retries, even with lines listed in another order and split up
    const again = await placeOrder(body, asAlice('key-1'), ports, trace);
    const reordered = await placeOrder(
      {
        paymentToken: 'tok_visa',
        items: [
          { productId: 'hand-grinder', quantity: 1 },
          { productId: 'espresso-cup', quantity: 1 },
          { productId: 'espresso-cup', quantity: 1 },
        ],
      },
      asAlice('key-1'),
      ports,
      trace,
    );

    // then it gets the first order back
    expect(again).toEqual(first);
    expect(reordered).toEqual(first);
    expect(ports.orders.orders.size).toBe(1);
    expect(ports.orders.outbox).toHaveLength(1);
  });

  it('refuses the same key with another body (409) and stores nothing', async () => {
    const ports = shop();
    await placeOrder(body, asAlice('key-1'), ports, trace);

    const otherQuantity = placeOrder(
      { ...body, items: [{ productId: 'espresso-cup', quantity: 5 }] },
      asAlice('key-1'),
      ports,
      trace,
    );
    const otherToken = placeOrder({ ...body, paymentToken: 'tok_declined' }, asAlice('key-1'), ports, trace);

    await expect(otherQuantity).rejects.toBeInstanceOf(IdempotencyKeyReused);
    await expect(otherToken).rejects.toMatchObject({ status: 409, code: 'idempotency-key-reused' });
    expect(ports.orders.orders.size).toBe(1);
    expect(ports.orders.outbox).toHaveLength(1);
  });

  it('keeps keys per customer: the same key from another customer is another order', async () => {
    const ports = shop();
    const alices = await placeOrder(body, asAlice('key-1'), ports, trace);
    const bobs = await placeOrder(body, { customerId: 'bob', idempotencyKey: 'key-1' }, ports, trace);
    expect(bobs.orderId).not.toBe(alices.orderId);
  });

  it('makes one order of concurrent identical requests, and refuses a concurrent different one', async () => {
    const ports = shop();

    // when three requests with one key race (each reads "no key yet" before any writes)
    const results = await Promise.allSettled([
      placeOrder(body, asAlice('key-1'), ports, trace),
      placeOrder(body, asAlice('key-1'), ports, trace),
      placeOrder({ ...body, paymentToken: 'tok_other' }, asAlice('key-1'), ports, trace),
    ]);

    // then the identical ones get the one order, the different one a 409
    expect(results[0]).toEqual({ status: 'fulfilled', value: { orderId: 'ord-1', status: 'PENDING' } });
    expect(results[1]).toEqual({ status: 'fulfilled', value: { orderId: 'ord-1', status: 'PENDING' } });
    expect(results[2]).toMatchObject({ status: 'rejected', reason: expect.any(IdempotencyKeyReused) });
    expect(ports.orders.orders.size).toBe(1);
    expect(ports.orders.outbox).toHaveLength(1);
  });

  it('waits for a racing request whose transaction is still committing, then returns its order', async () => {
    // given a request with the same key won the race, but its key becomes readable only on the 3rd look
    const winner = {
      customerId: 'alice',
      key: 'key-1',
      requestHash: requestHashOf(body),
      orderId: 'ord-won',
    };
    const orders = new RacingRepository(winner, 2);
    const pauses: number[] = [];
    const ports = {
      ...shop({ orders }),
      backoff: { pause: async (attempt: number) => void pauses.push(attempt) },
    };

    // when this request loses the race
    const placed = await placeOrder(body, asAlice('key-1'), ports, trace);

    // then it answers with the winner's order, having paused between looks
    expect(placed).toEqual({ orderId: 'ord-won', status: 'PENDING' });
    expect(pauses).toEqual([1, 2]);
    expect(orders.outbox).toHaveLength(0);
  });

  it('answers 409 "in use" when the racing request never settles', async () => {
    const orders = new RacingRepository(undefined, 0);

    const attempt = placeOrder(body, asAlice('key-1'), shop({ orders }), trace);

    await expect(attempt).rejects.toMatchObject({ status: 409, code: 'idempotency-key-in-use' });
    expect(orders.lookups).toBe(1 + 4);
  });

  it('refuses a product without a known price with a 422 naming the line, storing nothing', async () => {
    const ports = shop();

    const attempt = placeOrder(
      { ...body, items: [...body.items, { productId: 'not-yet-projected', quantity: 1 }] },
      asAlice('key-1'),
      ports,
      trace,
    );

    await expect(attempt).rejects.toBeInstanceOf(OrderNotPriceable);
    await expect(attempt).rejects.toMatchObject({
      status: 422,
      details: { errors: [{ path: 'items.2.productId', message: expect.any(String) }] },
    });
    expect(ports.orders.orders.size).toBe(0);
    expect(ports.orders.keys.size).toBe(0);
    // a retry once the price is known succeeds with the same key
    await projectPrice(
      { productId: 'not-yet-projected', price: eur(1), priceVersion: 1, updatedAt: T0.toISOString() },
      ports,
    );
    await expect(
      placeOrder(
        { ...body, items: [...body.items, { productId: 'not-yet-projected', quantity: 1 }] },
        asAlice('key-1'),
        ports,
        trace,
      ),
    ).resolves.toMatchObject({ status: 'PENDING' });
  });
});

describe('getOrder', () => {
  const stored = () =>
    new InMemoryOrderRepository([anOrder({ status: 'CANCELLED', reason: 'TIMEOUT', version: 2 })]);

  it('shows the owner the order, without internals', async () => {
    const view = await getOrder('ord-1', ALICE, { orders: stored() });
    expect(view).toEqual({
      orderId: 'ord-1',
      customerId: 'alice',
      status: 'CANCELLED',
      reason: 'TIMEOUT',
      items: anOrder().items,
      total: anOrder().total,
      createdAt: T0.toISOString(),
      updatedAt: T0.toISOString(),
    });
  });

  it('shows an admin anyone’s order', async () => {
    await expect(getOrder('ord-1', ADMIN, { orders: stored() })).resolves.toMatchObject({ orderId: 'ord-1' });
  });

  it('hides the order from anyone else exactly as if it did not exist (404)', async () => {
    const other = getOrder('ord-1', BOB, { orders: stored() });
    const missing = getOrder('ord-404', BOB, { orders: stored() });
    await expect(other).rejects.toBeInstanceOf(OrderNotFound);
    await expect(missing).rejects.toBeInstanceOf(OrderNotFound);
    await expect(other).rejects.toMatchObject({ status: 404, message: 'No order with id "ord-1".' });
  });
});

describe('cancelOrder', () => {
  const later = new Date(T0.getTime() + 60_000);
  const cancelTrace = { correlationId: 'req-cancel', causationId: 'req-cancel' };

  it.each([
    ['PENDING', false],
    ['CONFIRMED', true],
  ] as const)(
    'cancels a %s order for its owner and tells the saga (wasConfirmed=%s)',
    async (status, wasConfirmed) => {
      const ports = shop({
        orders: new InMemoryOrderRepository([anOrder({ status, version: 2 })]),
        at: later,
      });

      const view = await cancelOrder('ord-1', ALICE, ports, cancelTrace);

      expect(view).toMatchObject({
        status: 'CANCELLED',
        reason: 'CANCELLED_BY_CUSTOMER',
        updatedAt: later.toISOString(),
      });
      expect(await ports.orders.get('ord-1')).toMatchObject({ status: 'CANCELLED', version: 3 });
      expect(ports.orders.outbox).toHaveLength(1);
      const event = OrderCancelledV1.envelopeSchema.parse(ports.orders.outbox[0]);
      expect(event.metadata).toMatchObject({ correlationId: 'req-cancel', causationId: 'req-cancel' });
      expect(event.data).toEqual({
        orderId: 'ord-1',
        customerId: 'alice',
        items: anOrder().items,
        total: anOrder().total,
        reason: 'CANCELLED_BY_CUSTOMER',
        wasConfirmed,
        cancelledAt: later.toISOString(),
        orderVersion: 3,
      });
    },
  );

  it('refuses to cancel a cancelled order (409) and changes nothing', async () => {
    const ports = shop({
      orders: new InMemoryOrderRepository([anOrder({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' })]),
    });

    const attempt = cancelOrder('ord-1', ALICE, ports, trace);

    await expect(attempt).rejects.toBeInstanceOf(OrderNotCancellable);
    await expect(attempt).rejects.toMatchObject({ status: 409, details: { orderStatus: 'CANCELLED' } });
    expect(ports.orders.saves).toBe(0);
    expect((await ports.orders.get('ord-1'))?.reason).toBe('OUT_OF_STOCK');
  });

  it.each([
    ['another customer', BOB],
    ['an admin who does not own it', ADMIN],
  ])('answers %s with 404 and changes nothing', async (_who, requester) => {
    const ports = shop({ orders: new InMemoryOrderRepository([anOrder()]) });

    await expect(cancelOrder('ord-1', requester, ports, trace)).rejects.toBeInstanceOf(OrderNotFound);
    expect(ports.orders.saves).toBe(0);
    expect(ports.orders.outbox).toHaveLength(0);
  });

  it('answers an unknown order with 404', async () => {
    await expect(cancelOrder('ord-404', ALICE, shop(), trace)).rejects.toBeInstanceOf(OrderNotFound);
  });
});

describe('changeOrder on a saga fact', () => {
  const cause = { correlationId: 'req-place-1', causationId: 'evt-payment-1' };

  it('confirms a PENDING order on PaymentAuthorized, recording OrderConfirmed caused by that event', async () => {
    const ports = shop({ orders: new InMemoryOrderRepository([anOrder()]) });

    const result = await changeOrder('ord-1', { type: 'PaymentAuthorized' }, ports, cause);

    expect(result).toMatchObject({ outcome: 'changed', order: { status: 'CONFIRMED', version: 2 } });
    const event = OrderConfirmedV1.envelopeSchema.parse(ports.orders.outbox[0]);
    expect(event.metadata).toMatchObject(cause);
    expect(event.data).toEqual({
      orderId: 'ord-1',
      customerId: 'alice',
      items: anOrder().items,
      total: anOrder().total,
      confirmedAt: T0.toISOString(),
      orderVersion: 2,
    });
  });

  it.each([
    ['StockReservationFailed', 'OUT_OF_STOCK'],
    ['PaymentDeclined', 'PAYMENT_DECLINED'],
  ] as const)('cancels a PENDING order on %s with %s', async (type, reason) => {
    const ports = shop({ orders: new InMemoryOrderRepository([anOrder()]) });

    await changeOrder('ord-1', { type }, ports, cause);

    expect(await ports.orders.get('ord-1')).toMatchObject({ status: 'CANCELLED', reason });
    const event = OrderCancelledV1.envelopeSchema.parse(ports.orders.outbox[0]);
    expect(event.data).toMatchObject({ reason, wasConfirmed: false, orderVersion: 2 });
  });

  it('remembers PaymentUnavailable without publishing anything, once', async () => {
    const ports = shop({ orders: new InMemoryOrderRepository([anOrder()]) });

    await changeOrder('ord-1', { type: 'PaymentUnavailable' }, ports, cause);
    const again = await changeOrder('ord-1', { type: 'PaymentUnavailable' }, ports, cause);

    expect(await ports.orders.get('ord-1')).toMatchObject({
      status: 'PENDING',
      paymentUnavailable: true,
      version: 2,
    });
    expect(again.outcome).toBe('ignored');
    expect(ports.orders.saves).toBe(1);
    expect(ports.orders.outbox).toHaveLength(0);
  });

  it('ignores duplicates and late arrivals without writing', async () => {
    const ports = shop({ orders: new InMemoryOrderRepository([anOrder()]) });
    await changeOrder('ord-1', { type: 'PaymentAuthorized' }, ports, cause);

    // a duplicate, then a fact that no longer applies
    const duplicate = await changeOrder('ord-1', { type: 'PaymentAuthorized' }, ports, cause);
    const late = await changeOrder('ord-1', { type: 'StockReservationFailed' }, ports, cause);

    expect([duplicate.outcome, late.outcome]).toEqual(['ignored', 'ignored']);
    expect(await ports.orders.get('ord-1')).toMatchObject({ status: 'CONFIRMED', version: 2 });
    expect(ports.orders.saves).toBe(1);
    expect(ports.orders.outbox).toHaveLength(1);
  });

  it('ignores a payment authorized after the order was cancelled', async () => {
    const ports = shop({
      orders: new InMemoryOrderRepository([
        anOrder({ status: 'CANCELLED', reason: 'CANCELLED_BY_CUSTOMER' }),
      ]),
    });

    const result = await changeOrder('ord-1', { type: 'PaymentAuthorized' }, ports, cause);

    expect(result.outcome).toBe('ignored');
    expect(ports.orders.outbox).toHaveLength(0);
  });

  it('reports an order it does not know instead of failing', async () => {
    const result = await changeOrder('ord-unknown', { type: 'PaymentDeclined' }, shop(), cause);
    expect(result).toEqual({ outcome: 'unknown-order' });
  });

  it('on a version conflict re-reads the order and re-applies the event to what is stored now', async () => {
    // given the customer cancels between our read and our write
    const orders = new InMemoryOrderRepository([anOrder()]);
    orders.beforeSave = () => {
      orders.beforeSave = undefined;
      orders.touch('ord-1', { status: 'CANCELLED', reason: 'CANCELLED_BY_CUSTOMER' });
    };
    const ports = shop({ orders });

    // when the payment is authorized
    const result = await changeOrder('ord-1', { type: 'PaymentAuthorized' }, ports, cause);

    // then the retry sees the cancellation and leaves it alone: no confirmation is published
    expect(result.outcome).toBe('ignored');
    expect(await orders.get('ord-1')).toMatchObject({ status: 'CANCELLED', version: 2 });
    expect(orders.outbox).toHaveLength(0);
  });

  it('on a version conflict that changed nothing relevant, applies the event on the new version', async () => {
    const orders = new InMemoryOrderRepository([anOrder()]);
    orders.beforeSave = () => {
      orders.beforeSave = undefined;
      orders.touch('ord-1', { paymentUnavailable: true });
    };
    const ports = shop({ orders });

    const result = await changeOrder('ord-1', { type: 'PaymentAuthorized' }, ports, cause);

    expect(result).toMatchObject({ outcome: 'changed', order: { status: 'CONFIRMED', version: 3 } });
    expect(orders.saves).toBe(2);
    expect(orders.outbox).toHaveLength(1);
    // the event carries the version actually stored, not the one first attempted
    expect(OrderConfirmedV1.envelopeSchema.parse(orders.outbox[0]).data.orderVersion).toBe(3);
  });

  it('gives up after repeated conflicts, so the message is retried later', async () => {
    const orders = new InMemoryOrderRepository([anOrder()]);
    orders.beforeSave = () => orders.touch('ord-1', {});

    await expect(
      changeOrder('ord-1', { type: 'PaymentAuthorized' }, shop({ orders }), cause),
    ).rejects.toBeInstanceOf(OrderVersionConflict);
    expect(orders.saves).toBe(5);
    expect(orders.outbox).toHaveLength(0);
  });
});

describe('expirePendingOrders', () => {
  const DEADLINE = 900;
  const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000).toISOString();
  const now = new Date(T0.getTime() + 2000 * 1000);

  function backlog() {
    return new InMemoryOrderRepository([
      anOrder({ orderId: 'waiting', correlationId: 'req-waiting', createdAt: at(0) }),
      anOrder({
        orderId: 'unpaid',
        correlationId: 'req-unpaid',
        createdAt: at(10),
        paymentUnavailable: true,
      }),
      anOrder({ orderId: 'fresh', createdAt: at(1900) }),
      anOrder({ orderId: 'confirmed', status: 'CONFIRMED', createdAt: at(0) }),
      anOrder({ orderId: 'cancelled', status: 'CANCELLED', reason: 'OUT_OF_STOCK', createdAt: at(0) }),
    ]);
  }

  it('cancels overdue PENDING orders with TIMEOUT or PAYMENT_UNAVAILABLE, and nothing else', async () => {
    const ports = shop({ orders: backlog(), at: now });

    const summary = await expirePendingOrders({ deadlineSeconds: DEADLINE, sweepId: 'sweep-1' }, ports);

    expect(summary).toEqual({ expired: 2 });
    expect(await ports.orders.get('waiting')).toMatchObject({ status: 'CANCELLED', reason: 'TIMEOUT' });
    expect(await ports.orders.get('unpaid')).toMatchObject({
      status: 'CANCELLED',
      reason: 'PAYMENT_UNAVAILABLE',
    });
    expect(await ports.orders.get('fresh')).toMatchObject({ status: 'PENDING' });
    expect(await ports.orders.get('confirmed')).toMatchObject({ status: 'CONFIRMED' });
    // each cancellation carries its order's own correlation id, caused by this sweep
    const events = ports.orders.outbox.map((event) => OrderCancelledV1.envelopeSchema.parse(event));
    expect(
      events.map((event) => [event.data.orderId, event.data.reason, event.metadata.correlationId]),
    ).toEqual([
      ['waiting', 'TIMEOUT', 'req-waiting'],
      ['unpaid', 'PAYMENT_UNAVAILABLE', 'req-unpaid'],
    ]);
    expect(
      events.every((event) => event.metadata.causationId === 'sweep-1' && !event.data.wasConfirmed),
    ).toBe(true);
  });

  it('does nothing the second time', async () => {
    const ports = shop({ orders: backlog(), at: now });
    await expirePendingOrders({ deadlineSeconds: DEADLINE, sweepId: 'sweep-1' }, ports);
    expect(await expirePendingOrders({ deadlineSeconds: DEADLINE, sweepId: 'sweep-2' }, ports)).toEqual({
      expired: 0,
    });
    expect(ports.orders.outbox).toHaveLength(2);
  });

  it('leaves an order confirmed between the query and the write confirmed', async () => {
    const orders = new InMemoryOrderRepository([anOrder({ orderId: 'racing', createdAt: at(0) })]);
    orders.beforeSave = () => {
      orders.beforeSave = undefined;
      orders.touch('racing', { status: 'CONFIRMED' });
    };

    const summary = await expirePendingOrders(
      { deadlineSeconds: DEADLINE, sweepId: 's' },
      shop({ orders, at: now }),
    );

    expect(summary).toEqual({ expired: 0 });
    expect(await orders.get('racing')).toMatchObject({ status: 'CONFIRMED' });
  });

  it('expires the other orders when one fails, then reports the failure', async () => {
    const orders = backlog();
    orders.beforeSave = (next) => {
      if (next.orderId === 'waiting') throw new Error('throttled');
    };
    const ports = shop({ orders, at: now });

    await expect(
      expirePendingOrders({ deadlineSeconds: DEADLINE, sweepId: 's' }, ports),
    ).rejects.toBeInstanceOf(AggregateError);
    expect(await orders.get('unpaid')).toMatchObject({ status: 'CANCELLED' });
    expect(await orders.get('waiting')).toMatchObject({ status: 'PENDING' });
  });
});

describe('projectPrice', () => {
  const price = (amount: number, priceVersion: number) => ({
    productId: 'espresso-cup',
    price: eur(amount),
    priceVersion,
    updatedAt: T0.toISOString(),
  });

  it('keeps only the newest price version, whatever the order of arrival', async () => {
    const prices = new InMemoryPriceBook();
    expect(await projectPrice(price(1500, 3), { prices })).toBe(true);
    expect(await projectPrice(price(1300, 2), { prices })).toBe(false); // late
    expect(await projectPrice(price(1200, 1), { prices })).toBe(false); // ProductCreated after changes
    expect(await projectPrice(price(1500, 3), { prices })).toBe(false); // duplicate
    expect((await prices.pricesOf(['espresso-cup'])).get('espresso-cup')).toEqual(eur(1500));
    expect(await projectPrice(price(1700, 4), { prices })).toBe(true);
    expect((await prices.pricesOf(['espresso-cup'])).get('espresso-cup')).toEqual(eur(1700));
  });
});

describe('the order lifecycle port (what the operations dashboard counts)', () => {
  const cause = { correlationId: 'req-place-1', causationId: 'evt-1' };
  function recorder() {
    const seen: string[] = [];
    const lifecycle: OrderLifecycle = {
      placed: (order) => seen.push(`placed ${order.orderId}`),
      changed: (order, outcome) =>
        seen.push(
          `${outcome.type} ${order.orderId}${outcome.type === 'OrderCancelled' ? ` ${outcome.reason}` : ''}`,
        ),
    };
    return { seen, lifecycle };
  }

  it('hears of a placement once: not of its idempotent replay', async () => {
    const { seen, lifecycle } = recorder();
    const ports = { ...shop(), lifecycle };

    await placeOrder(body, asAlice('key-1'), ports, trace);
    await placeOrder(body, asAlice('key-1'), ports, trace);

    expect(seen).toEqual(['placed ord-1']);
  });

  it('hears of each stored change with its outcome, and of nothing a trigger left alone', async () => {
    const { seen, lifecycle } = recorder();
    const ports = { ...shop({ orders: new InMemoryOrderRepository([anOrder()]) }), lifecycle };

    await changeOrder('ord-1', { type: 'PaymentDeclined' }, ports, cause);
    await changeOrder('ord-1', { type: 'PaymentAuthorized' }, ports, cause); // too late: ignored
    await changeOrder('no-such-order', { type: 'PaymentAuthorized' }, ports, cause);

    expect(seen).toEqual(['OrderCancelled ord-1 PAYMENT_DECLINED']);
  });
});

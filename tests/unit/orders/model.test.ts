import { describe, expect, it } from 'vitest';
import {
  isOverdue,
  MAX_LINES,
  mergeLines,
  type Order,
  OrderNotPriceable,
  type OrderStatus,
  OrderTotalTooLarge,
  type OrderTrigger,
  priceLines,
  toView,
  transition,
} from '../../../domains/orders/model.js';
import { MAX_MONEY_AMOUNT, moneySchema } from '../../../events/money.js';
import { MAX_RESERVABLE_PRODUCTS } from '../../../shared/dynamodb/transaction-limit.js';
import { anOrder, eur, T0 } from './fakes.js';

const DEADLINE = 900;
const LATER = new Date(T0.getTime() + 60_000);
const AFTER_DEADLINE = new Date(T0.getTime() + DEADLINE * 1000);

const triggers: Record<OrderTrigger['type'], OrderTrigger> = {
  StockReservationFailed: { type: 'StockReservationFailed' },
  PaymentAuthorized: { type: 'PaymentAuthorized' },
  PaymentDeclined: { type: 'PaymentDeclined' },
  PaymentUnavailable: { type: 'PaymentUnavailable' },
  DeadlinePassed: { type: 'DeadlinePassed', deadlineSeconds: DEADLINE },
  CancelledByCustomer: { type: 'CancelledByCustomer' },
};

function orderIn(status: OrderStatus, overrides: Partial<Order> = {}): Order {
  return anOrder({
    status,
    version: 3,
    ...(status === 'CANCELLED' ? { reason: 'TIMEOUT' as const } : {}),
    ...overrides,
  });
}

describe('transition: every change', () => {
  it.each([
    // status, paymentUnavailable, trigger, next status, reason, outcome
    ['PENDING', false, 'StockReservationFailed', 'CANCELLED', 'OUT_OF_STOCK', false],
    ['PENDING', false, 'PaymentDeclined', 'CANCELLED', 'PAYMENT_DECLINED', false],
    ['PENDING', true, 'PaymentDeclined', 'CANCELLED', 'PAYMENT_DECLINED', false],
    ['PENDING', false, 'DeadlinePassed', 'CANCELLED', 'TIMEOUT', false],
    ['PENDING', true, 'DeadlinePassed', 'CANCELLED', 'PAYMENT_UNAVAILABLE', false],
    ['PENDING', false, 'CancelledByCustomer', 'CANCELLED', 'CANCELLED_BY_CUSTOMER', false],
    ['PENDING', true, 'CancelledByCustomer', 'CANCELLED', 'CANCELLED_BY_CUSTOMER', false],
    ['CONFIRMED', false, 'CancelledByCustomer', 'CANCELLED', 'CANCELLED_BY_CUSTOMER', true],
  ] as const)(
    '%s (paymentUnavailable=%s) + %s → %s(%s), wasConfirmed=%s',
    (status, unavailable, type, next, reason, wasConfirmed) => {
      // given an order in the state
      const order = orderIn(status, { paymentUnavailable: unavailable });

      // when the trigger arrives after the deadline
      const result = transition(order, triggers[type], AFTER_DEADLINE);

      // then it is cancelled with the reason, one version on, and the saga learns how to compensate
      expect(result).toEqual({
        kind: 'changed',
        order: {
          ...order,
          status: next,
          reason,
          version: 4,
          updatedAt: AFTER_DEADLINE.toISOString(),
        },
        outcome: { type: 'OrderCancelled', reason, wasConfirmed },
      });
    },
  );

  it.each([false, true])(
    'PENDING (paymentUnavailable=%s) + PaymentAuthorized → CONFIRMED with OrderConfirmed',
    (unavailable) => {
      const order = orderIn('PENDING', { paymentUnavailable: unavailable });

      const result = transition(order, triggers.PaymentAuthorized, LATER);

      expect(result).toEqual({
        kind: 'changed',
        order: { ...order, status: 'CONFIRMED', version: 4, updatedAt: LATER.toISOString() },
        outcome: { type: 'OrderConfirmed' },
      });
    },
  );

  it('PENDING + PaymentUnavailable → still PENDING, remembers it, and tells nobody', () => {
    const order = orderIn('PENDING');

    const result = transition(order, triggers.PaymentUnavailable, LATER);

    expect(result).toEqual({
      kind: 'changed',
      order: { ...order, paymentUnavailable: true, version: 4, updatedAt: LATER.toISOString() },
    });
  });
});

describe('transition: every ignored trigger', () => {
  const ignoredCases: Array<[OrderStatus, boolean, OrderTrigger['type']]> = [
    // a PENDING order already known to wait for payments
    ['PENDING', true, 'PaymentUnavailable'],
    // a CONFIRMED order only moves when its customer cancels it
    ['CONFIRMED', false, 'StockReservationFailed'],
    ['CONFIRMED', false, 'PaymentAuthorized'],
    ['CONFIRMED', false, 'PaymentDeclined'],
    ['CONFIRMED', false, 'PaymentUnavailable'],
    ['CONFIRMED', false, 'DeadlinePassed'],
    ['CONFIRMED', true, 'DeadlinePassed'],
    // a CANCELLED order is final
    ['CANCELLED', false, 'StockReservationFailed'],
    ['CANCELLED', false, 'PaymentAuthorized'],
    ['CANCELLED', false, 'PaymentDeclined'],
    ['CANCELLED', false, 'PaymentUnavailable'],
    ['CANCELLED', true, 'DeadlinePassed'],
    ['CANCELLED', false, 'CancelledByCustomer'],
  ];

  it.each(ignoredCases)('%s (paymentUnavailable=%s) ignores %s', (status, unavailable, type) => {
    expect(
      transition(orderIn(status, { paymentUnavailable: unavailable }), triggers[type], AFTER_DEADLINE),
    ).toEqual({
      kind: 'ignored',
    });
  });

  it('covers every state, flag and trigger between the two tables', () => {
    const statuses: OrderStatus[] = ['PENDING', 'CONFIRMED', 'CANCELLED'];
    const combinations = statuses.flatMap((status) =>
      [false, true].flatMap((unavailable) =>
        Object.values(triggers).map(
          (trigger) =>
            transition(orderIn(status, { paymentUnavailable: unavailable }), trigger, AFTER_DEADLINE).kind,
        ),
      ),
    );
    // 3 states × 2 flags × 6 triggers: PENDING changes on every trigger but a repeated
    // PaymentUnavailable (11), CONFIRMED only on the customer's cancellation (2), CANCELLED never.
    expect(combinations.filter((kind) => kind === 'changed')).toHaveLength(13);
    expect(combinations).toHaveLength(36);
  });

  it('keeps a PENDING order before its deadline', () => {
    const order = orderIn('PENDING', { paymentUnavailable: true });
    const justBefore = new Date(AFTER_DEADLINE.getTime() - 1);

    expect(transition(order, triggers.DeadlinePassed, justBefore)).toEqual({ kind: 'ignored' });
    expect(isOverdue(order, justBefore, DEADLINE)).toBe(false);
    expect(isOverdue(order, AFTER_DEADLINE, DEADLINE)).toBe(true);
  });

  it('does not modify the order it is given', () => {
    const order = orderIn('PENDING');
    const copy = structuredClone(order);
    transition(order, triggers.PaymentAuthorized, LATER);
    expect(order).toEqual(copy);
  });
});

describe('lines and prices', () => {
  it('merges lines of the same product, keeping the order of first appearance', () => {
    expect(
      mergeLines([
        { productId: 'b', quantity: 1 },
        { productId: 'a', quantity: 2 },
        { productId: 'b', quantity: 3 },
      ]),
    ).toEqual([
      { productId: 'b', quantity: 4 },
      { productId: 'a', quantity: 2 },
    ]);
  });

  it('freezes unit prices and sums the total in minor units', () => {
    const prices = new Map([
      ['a', eur(1200)],
      ['b', eur(8900)],
    ]);
    expect(
      priceLines(
        [
          { productId: 'a', quantity: 1 },
          { productId: 'b', quantity: 1 },
          { productId: 'a', quantity: 1 },
        ],
        prices,
      ),
    ).toEqual({
      items: [
        { productId: 'a', quantity: 2, unitPrice: eur(1200) },
        { productId: 'b', quantity: 1, unitPrice: eur(8900) },
      ],
      total: eur(2 * 1200 + 8900),
    });
  });

  it('names every line of an unknown product by its request path (422)', () => {
    const attempt = () =>
      priceLines(
        [
          { productId: 'a', quantity: 1 },
          { productId: 'ghost', quantity: 1 },
          { productId: 'ghost', quantity: 2 },
        ],
        new Map([['a', eur(100)]]),
      );
    expect(attempt).toThrow(OrderNotPriceable);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({
        status: 422,
        details: {
          errors: [
            { path: 'items.1.productId', message: expect.stringContaining('ghost') },
            { path: 'items.2.productId', message: expect.stringContaining('ghost') },
          ],
        },
      });
    }
  });

  it('refuses to add up prices of different currencies (422)', () => {
    const prices = new Map([
      ['a', eur(100)],
      ['b', { amount: 100, currency: 'USD' }],
    ]);
    expect(() =>
      priceLines(
        [
          { productId: 'a', quantity: 1 },
          { productId: 'b', quantity: 1 },
        ],
        prices,
      ),
    ).toThrow(
      expect.objectContaining({
        status: 422,
        details: { errors: [{ path: 'items.1.productId', message: 'is not priced in EUR' }] },
      }),
    );
  });

  it('accepts a total exactly at the money limit of the event contracts', () => {
    const { total } = priceLines(
      [
        { productId: 'a', quantity: 1 },
        { productId: 'b', quantity: 1 },
      ],
      new Map([
        ['a', eur(MAX_MONEY_AMOUNT - 1)],
        ['b', eur(1)],
      ]),
    );
    expect(total).toEqual(eur(MAX_MONEY_AMOUNT));
    expect(moneySchema.safeParse(total).success).toBe(true);
  });

  it.each([
    ['one minor unit above it, over two lines', [MAX_MONEY_AMOUNT, 1], [1, 1], MAX_MONEY_AMOUNT + 1],
    ['100 × 1,500,000,000 IDR', [1_500_000_000], [100], 150_000_000_000],
    ['the highest price times the highest quantity', [MAX_MONEY_AMOUNT], [100], 100 * MAX_MONEY_AMOUNT],
  ])(
    'refuses a total above the money limit (%s) with a 422 naming total and limit',
    (_case, amounts, quantities, expected) => {
      const currency = 'IDR';
      const lines = amounts.map((_, i) => ({ productId: `p${i}`, quantity: quantities[i] as number }));
      const prices = new Map(amounts.map((amount, i) => [`p${i}`, { amount, currency }]));

      const attempt = () => priceLines(lines, prices);

      expect(attempt).toThrow(OrderTotalTooLarge);
      expect(attempt).toThrow(
        expect.objectContaining({
          status: 422,
          code: 'order-total-too-large',
          message: expect.stringContaining(`exceeds the limit of ${MAX_MONEY_AMOUNT}`),
          details: {
            total: { amount: expected, currency },
            maxTotal: { amount: MAX_MONEY_AMOUNT, currency },
          },
        }),
      );
    },
  );

  it('lists no more lines than inventory can reserve in one transaction', () => {
    expect(MAX_LINES).toBe(50);
    expect(MAX_LINES).toBeLessThanOrEqual(MAX_RESERVABLE_PRODUCTS);
  });

  it('shows the public fields of an order only', () => {
    const view = toView(anOrder({ status: 'CANCELLED', reason: 'TIMEOUT', paymentUnavailable: true }));
    expect(Object.keys(view).sort()).toEqual(
      ['orderId', 'customerId', 'status', 'items', 'total', 'reason', 'createdAt', 'updatedAt'].sort(),
    );
    expect(toView(anOrder())).not.toHaveProperty('reason');
  });
});

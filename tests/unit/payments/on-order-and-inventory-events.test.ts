import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.IDEMPOTENCY_TABLE_NAME = 'commerce-test-idempotency';
});

/*
 * The composition root is replaced by the in-memory payment repository and the sandbox-like provider,
 * so what each event did is visible: the provider calls made and the payment's state and events.
 */
const composition = vi.hoisted(() => ({ ports: undefined as unknown }));
vi.mock('../../../functions/payments/dependencies.js', () => ({ paymentPorts: () => composition.ports }));

import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { PaymentPorts } from '../../../domains/payments/ports.js';
import { StockReservedV1 } from '../../../events/inventory/index.js';
import {
  type CancellationReason,
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderPlacedV2,
} from '../../../events/orders/index.js';
import { handler } from '../../../functions/payments/on-order-and-inventory-events.js';
import { FixedClock } from '../catalog/fakes.js';
import { busEvent, fifoBatch, type TestBusEvent } from '../shared/bus-events.js';
import { fakeContext } from '../shared/lambda-fakes.js';
import { FakePaymentTokenCipher } from '../shared/payment-token-fakes.js';
import { FakeProvider, InMemoryPaymentRepository } from './fakes.js';

const idempotencyTable = mockClient(DynamoDBClient);
const AT = '2026-11-22T10:00:00.000Z';
const ORDER = 'ord-1';
const total = { amount: 3000, currency: 'EUR' };
const items = [{ productId: 'espresso-cup', quantity: 2, unitPrice: { amount: 1500, currency: 'EUR' } }];

const orderPlaced = (paymentToken = 'tok_visa') =>
  busEvent(OrderPlacedV2, {
    orderId: ORDER,
    customerId: 'alice',
    items,
    total,
    sealedPaymentToken: tokens.sealNow(paymentToken, { orderId: ORDER }),
    placedAt: AT,
    orderVersion: 1,
  });
/** As published before v2, and as replays of stored or archived events still deliver it. */
const legacyOrderPlaced = (paymentToken = 'tok_visa') =>
  busEvent(OrderPlacedV1, {
    orderId: ORDER,
    customerId: 'alice',
    items,
    total,
    paymentToken,
    placedAt: AT,
  });
const stockReserved = () =>
  busEvent(StockReservedV1, {
    orderId: ORDER,
    items: [{ productId: 'espresso-cup', quantity: 2 }],
    reservedAt: AT,
  });
const orderConfirmed = () =>
  busEvent(OrderConfirmedV1, { orderId: ORDER, customerId: 'alice', items, total, confirmedAt: AT });
const orderCancelled = (reason: CancellationReason, wasConfirmed: boolean) =>
  busEvent(OrderCancelledV1, {
    orderId: ORDER,
    customerId: 'alice',
    items,
    total,
    reason,
    wasConfirmed,
    cancelledAt: AT,
  });

let payments: InMemoryPaymentRepository;
let provider: FakeProvider;
let tokens: FakePaymentTokenCipher;

beforeEach(() => {
  payments = new InMemoryPaymentRepository();
  provider = new FakeProvider();
  tokens = new FakePaymentTokenCipher();
  composition.ports = {
    payments,
    provider,
    tokens,
    clock: new FixedClock(new Date(AT)),
  } satisfies PaymentPorts;
  idempotencyTable.reset();
  idempotencyTable.on(PutItemCommand).resolves({});
  idempotencyTable.on(UpdateItemCommand).resolves({});
  idempotencyTable.on(DeleteItemCommand).resolves({});
});

/** One delivery from the payments FIFO queue; every message must be acknowledged. */
async function deliver(...events: Array<TestBusEvent<{ orderId: string }>>) {
  const result = await handler(fifoBatch(...events), fakeContext('commerce-test-paymentsHandleEvents'));
  expect(result).toEqual({ batchItemFailures: [] });
}

const status = async () => (await payments.get(ORDER))?.status;

describe('paymentsHandleEvents routes each saga event to its payment step', () => {
  it('OrderPlaced alone records the intent, with its token still sealed, and authorizes nothing', async () => {
    const placed = orderPlaced();
    await deliver(placed);

    expect(provider.calls).toEqual([]);
    expect(await payments.get(ORDER)).toEqual(
      expect.objectContaining({
        status: 'PENDING',
        stockReserved: false,
        intent: {
          customerId: 'alice',
          amount: total,
          sealedPaymentToken: placed.detail.data.sealedPaymentToken,
        },
      }),
    );
  });

  it('OrderPlaced v1 (a replay) is still handled: authorized with its clear token, which is then dropped', async () => {
    await deliver(legacyOrderPlaced(), stockReserved());

    expect(provider.calls[0]?.request).toMatchObject({ amount: total, token: 'tok_visa' });
    expect(await payments.get(ORDER)).toEqual(
      expect.objectContaining({ status: 'AUTHORIZED', intent: { customerId: 'alice', amount: total } }),
    );
  });

  it('StockReserved alone records the reservation and authorizes nothing', async () => {
    await deliver(stockReserved());

    expect(provider.calls).toEqual([]);
    expect(await payments.get(ORDER)).toMatchObject({ status: 'PENDING', stockReserved: true });
    expect((await payments.get(ORDER))?.intent).toBeUndefined();
  });

  it.each([
    ['OrderPlaced then StockReserved', () => [orderPlaced(), stockReserved()] as const],
    ['StockReserved then OrderPlaced', () => [stockReserved(), orderPlaced()] as const],
  ])('authorizes the order total once both are known (%s)', async (_order, events) => {
    const [first, second] = events();
    await deliver(first);
    await deliver(second);

    expect(provider.calls.map((call) => call.operation)).toEqual(['authorize']);
    expect(provider.calls[0]?.request).toMatchObject({ amount: total, token: 'tok_visa' });
    expect(await status()).toBe('AUTHORIZED');
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized']);
  });

  it('publishes PaymentDeclined for a card the provider declines', async () => {
    await deliver(orderPlaced('tok_declined'), stockReserved());

    expect(await status()).toBe('DECLINED');
    expect(payments.eventTypes()).toEqual(['PaymentDeclined']);
  });

  it('OrderConfirmed captures the authorized payment', async () => {
    await deliver(orderPlaced(), stockReserved());

    await deliver(orderConfirmed());

    expect(provider.calls.map((call) => call.operation)).toEqual(['authorize', 'capture']);
    expect(await status()).toBe('CAPTURED');
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
  });

  it('OrderCancelled voids an authorization that was not captured', async () => {
    await deliver(orderPlaced(), stockReserved());

    await deliver(orderCancelled('CANCELLED_BY_CUSTOMER', false));

    expect(provider.calls.map((call) => call.operation)).toEqual(['authorize', 'void']);
    expect(await status()).toBe('VOIDED');
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentVoided']);
  });

  it('OrderCancelled refunds a captured payment', async () => {
    await deliver(orderPlaced(), stockReserved(), orderConfirmed());

    await deliver(orderCancelled('CANCELLED_BY_CUSTOMER', true));

    expect(provider.calls.map((call) => call.operation)).toEqual(['authorize', 'capture', 'refund']);
    expect(await status()).toBe('REFUNDED');
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentCaptured', 'PaymentRefunded']);
  });

  it('OrderCancelled before the stock is reserved leaves nothing to authorize later', async () => {
    await deliver(orderPlaced(), orderCancelled('OUT_OF_STOCK', false));

    await deliver(stockReserved());

    expect(provider.calls).toEqual([]);
    expect(await status()).toBe('CANCELLED');
    expect(payments.eventTypes()).toEqual([]);
  });

  it('acknowledges the message while the provider is down, keeping the operation pending', async () => {
    provider.unavailable = true;

    await deliver(orderPlaced(), stockReserved());

    expect(await payments.get(ORDER)).toMatchObject({ status: 'AWAITING_PROVIDER', pendingSince: AT });
    expect(payments.eventTypes()).toEqual(['PaymentUnavailable']);
  });

  it('a redelivered event changes nothing and calls the provider once, without any idempotency record', async () => {
    const saga = [
      orderPlaced(),
      stockReserved(),
      orderConfirmed(),
      orderCancelled('CANCELLED_BY_CUSTOMER', true),
    ];

    for (const event of saga) {
      await deliver(event);
      const once = { payment: await payments.get(ORDER), calls: provider.calls.length };
      await deliver(event);
      expect({ payment: await payments.get(ORDER), calls: provider.calls.length }).toEqual(once);
    }

    expect(provider.calls.map((call) => call.operation)).toEqual(['authorize', 'capture', 'refund']);
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentCaptured', 'PaymentRefunded']);
    expect(idempotencyTable.calls()).toHaveLength(0);
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import {
  recordLegacyPaymentIntent,
  recordPaymentIntent,
  recordStockReserved,
} from '../../../domains/payments/authorize-payment.js';
import { cancelPayment } from '../../../domains/payments/cancel-payment.js';
import { capturePayment } from '../../../domains/payments/capture-payment.js';
import { type Payment, PaymentVersionConflict } from '../../../domains/payments/model.js';
import type { PaymentPorts } from '../../../domains/payments/ports.js';
import { PaymentProviderRejected } from '../../../domains/payments/ports.js';
import {
  retryPendingPayment,
  retryPendingPayments,
} from '../../../domains/payments/retry-pending-payments.js';
import { createEnvelope } from '../../../events/envelope.js';
import { StockReservedV1 } from '../../../events/inventory/index.js';
import {
  type CancellationReason,
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderPlacedV2,
} from '../../../events/orders/index.js';
import {
  PaymentAuthorizedV1,
  PaymentCapturedV1,
  PaymentDeclinedV1,
  PaymentRefundedV1,
  PaymentUnavailableV1,
  PaymentVoidedV1,
} from '../../../events/payments/index.js';
import { FixedClock } from '../catalog/fakes.js';
import { FakePaymentTokenCipher } from '../shared/payment-token-fakes.js';
import { FakeProvider, InMemoryPaymentRepository } from './fakes.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const T1 = new Date('2026-11-22T10:01:00.000Z');
const ORDER = 'order-1';
const CORRELATION = 'corr-order-1';
const total = { amount: 3000, currency: 'EUR' };
const items = [{ productId: 'espresso-cup', quantity: 2, unitPrice: { amount: 1500, currency: 'EUR' } }];
const cause = { correlationId: CORRELATION, causationId: 'req-1' };

/** OrderPlaced as orders publishes it: the token sealed for the order (`sealedFor`: for another one). */
const orderPlaced = (paymentToken = 'tok_visa', orderId = ORDER, sealedFor = orderId) =>
  createEnvelope(
    OrderPlacedV2,
    {
      orderId,
      customerId: 'alice',
      items,
      total,
      sealedPaymentToken: tokens.sealNow(paymentToken, { orderId: sealedFor }),
      placedAt: T0.toISOString(),
      orderVersion: 1,
    },
    cause,
    { eventId: `evt-placed-${orderId}`, now: T0 },
  );
const stockReserved = (orderId = ORDER) =>
  createEnvelope(
    StockReservedV1,
    { orderId, items: [{ productId: 'espresso-cup', quantity: 2 }], reservedAt: T0.toISOString() },
    cause,
    { eventId: `evt-reserved-${orderId}`, now: T0 },
  );
const orderConfirmed = () =>
  createEnvelope(
    OrderConfirmedV1,
    { orderId: ORDER, customerId: 'alice', items, total, confirmedAt: T0.toISOString() },
    cause,
    { eventId: 'evt-confirmed', now: T0 },
  );
const orderCancelled = (reason: CancellationReason = 'CANCELLED_BY_CUSTOMER', wasConfirmed = false) =>
  createEnvelope(
    OrderCancelledV1,
    {
      orderId: ORDER,
      customerId: 'alice',
      items,
      total,
      reason,
      wasConfirmed,
      cancelledAt: T0.toISOString(),
    },
    cause,
    { eventId: 'evt-cancelled', now: T0 },
  );

/** The data of PaymentAuthorized, PaymentCaptured and PaymentRefunded for the order, at T0. */
const moved = (timestampField: string) => ({
  orderId: ORDER,
  paymentId: 'pay-1',
  amount: total,
  [timestampField]: T0.toISOString(),
});

let payments: InMemoryPaymentRepository;
let provider: FakeProvider;
let clock: FixedClock;
let tokens: FakePaymentTokenCipher;
let ports: PaymentPorts;

beforeEach(() => {
  payments = new InMemoryPaymentRepository();
  provider = new FakeProvider();
  clock = new FixedClock(T0);
  tokens = new FakePaymentTokenCipher();
  ports = { payments, provider, tokens, clock, newId: () => 'pay-1' };
});

async function authorized(): Promise<void> {
  await recordPaymentIntent(orderPlaced(), ports);
  await recordStockReserved(stockReserved(), ports);
}

async function captured(): Promise<void> {
  await authorized();
  await capturePayment(orderConfirmed(), ports);
}

describe('authorization', () => {
  it('authorizes the order total once both the intent and the reservation are known', async () => {
    // given the order was placed: its intent is stored, nothing is asked of the provider yet
    expect(await recordPaymentIntent(orderPlaced(), ports)).toMatchObject({ outcome: 'waiting-for-stock' });
    expect(provider.calls).toEqual([]);
    expect(payments.outbox).toEqual([]);

    // when its stock is reserved
    const result = await recordStockReserved(stockReserved(), ports);

    // then the total is authorized with the token, under a key derived from the order
    expect(result).toEqual({ orderId: ORDER, outcome: 'authorized', status: 'AUTHORIZED' });
    expect(provider.calls).toEqual([
      {
        operation: 'authorize',
        idempotencyKey: `${ORDER}:authorize`,
        request: { orderId: ORDER, amount: total, token: 'tok_visa', idempotencyKey: `${ORDER}:authorize` },
      },
    ]);
    // and PaymentAuthorized is recorded, caused by StockReserved, correlated with the order
    expect(payments.outbox).toHaveLength(1);
    const event = PaymentAuthorizedV1.envelopeSchema.parse(payments.outbox[0]);
    expect(event.data).toEqual(moved('authorizedAt'));
    expect(event.metadata).toMatchObject({
      correlationId: CORRELATION,
      causationId: `evt-reserved-${ORDER}`,
    });
    expect(await payments.get(ORDER)).toMatchObject({
      status: 'AUTHORIZED',
      authorizationId: 'auth-1',
      version: 2,
    });
  });

  it('authorizes just the same when the reservation arrives before the order', async () => {
    // given StockReserved overtook OrderPlaced
    expect(await recordStockReserved(stockReserved(), ports)).toMatchObject({
      outcome: 'waiting-for-intent',
    });
    expect(provider.calls).toEqual([]);

    // when OrderPlaced arrives
    const result = await recordPaymentIntent(orderPlaced(), ports);

    // then the payment is authorized, caused by OrderPlaced
    expect(result.outcome).toBe('authorized');
    expect(provider.count('authorize')).toBe(1);
    const event = PaymentAuthorizedV1.envelopeSchema.parse(payments.outbox[0]);
    expect(event.metadata.causationId).toBe(`evt-placed-${ORDER}`);
  });

  it('records a declined card as PaymentDeclined and never retries it', async () => {
    // given an order paid with a token the provider declines
    await recordPaymentIntent(orderPlaced('tok_declined'), ports);

    // when the stock is reserved
    const result = await recordStockReserved(stockReserved(), ports);

    // then the decline is a final answer with its reason
    expect(result).toMatchObject({ outcome: 'declined', status: 'DECLINED' });
    const event = PaymentDeclinedV1.envelopeSchema.parse(payments.outbox[0]);
    expect(event.data).toEqual({
      orderId: ORDER,
      customerId: 'alice',
      amount: total,
      declineReason: 'card_declined',
      declinedAt: T0.toISOString(),
    });
    // and nothing is left for the scheduled retry
    expect(await retryPendingPayments(ports)).toMatchObject({ examined: 0 });
    expect(provider.count('authorize')).toBe(1);
  });

  it('ignores duplicates of OrderPlaced and StockReserved', async () => {
    // given an authorized payment
    await authorized();

    // when both events are delivered again
    const again = [
      await recordPaymentIntent(orderPlaced(), ports),
      await recordStockReserved(stockReserved(), ports),
    ];

    // then nothing happens a second time
    expect(again.map((r) => r.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(provider.count('authorize')).toBe(1);
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized']);
  });

  it('lets a failure that is not an outage fail the message', async () => {
    // given the provider refuses the request itself (e.g. a wrong API key)
    await recordPaymentIntent(orderPlaced(), ports);
    provider.authorize = async () => {
      throw new PaymentProviderRejected('401', 401);
    };

    // when the stock is reserved, the error surfaces (the message is retried, then dead-lettered)
    await expect(recordStockReserved(stockReserved(), ports)).rejects.toBeInstanceOf(PaymentProviderRejected);
    // and nothing was stored
    expect(await payments.get(ORDER)).toMatchObject({ status: 'PENDING', stockReserved: false });
  });
});

describe('capture', () => {
  it('captures the authorized amount when the order is confirmed, once', async () => {
    // given an authorized payment
    await authorized();

    // when the order is confirmed, twice
    const first = await capturePayment(orderConfirmed(), ports);
    const second = await capturePayment(orderConfirmed(), ports);

    // then one capture, one PaymentCaptured
    expect(first).toMatchObject({ outcome: 'captured', status: 'CAPTURED' });
    expect(second.outcome).toBe('duplicate');
    expect(provider.calls.filter((c) => c.operation === 'capture')).toEqual([
      {
        operation: 'capture',
        idempotencyKey: `${ORDER}:capture`,
        request: { authorizationId: 'auth-1', idempotencyKey: `${ORDER}:capture` },
      },
    ]);
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    const event = PaymentCapturedV1.envelopeSchema.parse(payments.outbox[1]);
    expect(event.data).toEqual(moved('capturedAt'));
    expect(event.metadata.causationId).toBe('evt-confirmed');
  });

  it('ignores a confirmation of a payment that is not authorized', async () => {
    // given a declined payment, and no payment at all for another order
    await recordPaymentIntent(orderPlaced('tok_declined'), ports);
    await recordStockReserved(stockReserved(), ports);

    // when the order is confirmed anyway
    const result = await capturePayment(orderConfirmed(), ports);

    // then nothing is captured
    expect(result.outcome).toBe('ignored');
    expect(provider.count('capture')).toBe(0);
  });
});

describe('cancellation', () => {
  it('leaves a tombstone when the cancellation overtakes the order, so nothing is authorized later', async () => {
    // given OrderCancelled arrives first
    expect(await cancelPayment(orderCancelled('OUT_OF_STOCK'), ports)).toMatchObject({
      outcome: 'cancelled',
      status: 'CANCELLED',
    });

    // when the order and its reservation arrive late
    const late = [
      await recordPaymentIntent(orderPlaced(), ports),
      await recordStockReserved(stockReserved(), ports),
    ];

    // then the card is never touched
    expect(late.map((r) => r.outcome)).toEqual(['cancelled', 'cancelled']);
    expect(provider.calls).toEqual([]);
    expect(payments.outbox).toEqual([]);
  });

  it('cancels before authorization without calling the provider', async () => {
    // given the order is placed but its stock not yet reserved
    await recordPaymentIntent(orderPlaced(), ports);

    // when it is cancelled, then its stock is reported reserved after all
    await cancelPayment(orderCancelled(), ports);
    await recordStockReserved(stockReserved(), ports);

    // then nothing is authorized
    expect(provider.calls).toEqual([]);
    expect(await payments.get(ORDER)).toMatchObject({ status: 'CANCELLED', cancelledAt: T0.toISOString() });
  });

  it('voids an uncaptured authorization', async () => {
    // given an authorized payment
    await authorized();

    // when the order is cancelled, twice
    const result = await cancelPayment(orderCancelled('TIMEOUT'), ports);
    expect((await cancelPayment(orderCancelled('TIMEOUT'), ports)).outcome).toBe('duplicate');

    // then the authorization is voided once
    expect(result).toMatchObject({ outcome: 'voided', status: 'VOIDED' });
    expect(provider.count('void')).toBe(1);
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentVoided']);
    const event = PaymentVoidedV1.envelopeSchema.parse(payments.outbox[1]);
    expect(event.data).toEqual({ orderId: ORDER, paymentId: 'pay-1', voidedAt: T0.toISOString() });
    expect(event.metadata.causationId).toBe('evt-cancelled');
  });

  it('refunds a captured payment when a confirmed order is cancelled', async () => {
    // given a captured payment
    await captured();

    // when the confirmed order is cancelled
    const result = await cancelPayment(orderCancelled('CANCELLED_BY_CUSTOMER', true), ports);

    // then the capture is refunded
    expect(result).toMatchObject({ outcome: 'refunded', status: 'REFUNDED' });
    expect(provider.calls.at(-1)).toMatchObject({ operation: 'refund', idempotencyKey: `${ORDER}:refund` });
    const event = PaymentRefundedV1.envelopeSchema.parse(payments.outbox.at(-1));
    expect(event.data).toEqual(moved('refundedAt'));
    // and a late confirmation does not capture again
    expect((await capturePayment(orderConfirmed(), ports)).outcome).toBe('ignored');
    expect(provider.count('capture')).toBe(1);
  });

  it('keeps a declined payment declined, but marks it cancelled', async () => {
    await recordPaymentIntent(orderPlaced('tok_declined'), ports);
    await recordStockReserved(stockReserved(), ports);

    const result = await cancelPayment(orderCancelled('PAYMENT_DECLINED'), ports);

    expect(result).toMatchObject({ outcome: 'cancelled', status: 'DECLINED' });
    expect(provider.count('void')).toBe(0);
  });
});

describe('provider outage', () => {
  it('waits for the provider without failing the message, announces it once, then authorizes on retry', async () => {
    // given the provider is down when the order becomes ready
    provider.unavailable = true;
    await recordPaymentIntent(orderPlaced(), ports);

    // when the stock is reserved, the step completes (the message is not failed)
    const result = await recordStockReserved(stockReserved(), ports);

    // then the payment awaits the provider, and PaymentUnavailable is published
    expect(result).toMatchObject({ outcome: 'unavailable', status: 'AWAITING_PROVIDER' });
    expect(await payments.get(ORDER)).toMatchObject({
      status: 'AWAITING_PROVIDER',
      pendingSince: T0.toISOString(),
      unavailableNotified: true,
    });
    const unavailable = PaymentUnavailableV1.envelopeSchema.parse(payments.outbox[0]);
    expect(unavailable.data).toEqual({
      orderId: ORDER,
      detail: 'authorize: The provider answered 503',
      at: T0.toISOString(),
    });

    // when the scheduled retry runs during the outage
    clock.set(T1);
    const savesBefore = payments.saves;
    expect(await retryPendingPayments(ports)).toEqual({
      examined: 1,
      outcomes: { unavailable: 1 },
      failures: [],
      complete: true,
    });
    // then nothing new is written or announced
    expect(payments.saves).toBe(savesBefore);
    expect(payments.eventTypes()).toEqual(['PaymentUnavailable']);

    // when the provider is back and the retry runs again
    provider.unavailable = false;
    const summary = await retryPendingPayments(ports);

    // then the payment is authorized with the same key, and the event carries the order's correlation id
    expect(summary.outcomes).toEqual({ authorized: 1 });
    expect(new Set(provider.calls.map((c) => c.idempotencyKey))).toEqual(new Set([`${ORDER}:authorize`]));
    expect(payments.eventTypes()).toEqual(['PaymentUnavailable', 'PaymentAuthorized']);
    const event = PaymentAuthorizedV1.envelopeSchema.parse(payments.outbox[1]);
    expect(event.metadata).toMatchObject({
      correlationId: CORRELATION,
      causationId: `evt-reserved-${ORDER}`,
    });
    expect(event.data.authorizedAt).toBe(T1.toISOString());
    expect(await payments.get(ORDER)).toMatchObject({ status: 'AUTHORIZED', unavailableNotified: false });
    expect((await payments.get(ORDER))?.pendingSince).toBeUndefined();
    // and nothing is pending any more
    expect((await retryPendingPayments(ports)).examined).toBe(0);
  });

  it('keeps a capture pending through an outage, as a new episode, and captures on retry', async () => {
    // given an authorized payment and then an outage
    await authorized();
    provider.unavailable = true;

    // when the order is confirmed
    const result = await capturePayment(orderConfirmed(), ports);

    // then the capture is pending and announced
    expect(result).toMatchObject({ outcome: 'unavailable', status: 'CAPTURE_PENDING' });
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentUnavailable']);

    // when the provider is back
    provider.unavailable = false;
    const summary = await retryPendingPayments(ports);

    // then the capture happens once
    expect(summary.outcomes).toEqual({ captured: 1 });
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentUnavailable', 'PaymentCaptured']);
  });

  it('never authorizes an order cancelled while it waited for the provider', async () => {
    // given a payment awaiting the provider
    provider.unavailable = true;
    await authorized();

    // when orders gives up at its deadline
    const result = await cancelPayment(orderCancelled('PAYMENT_UNAVAILABLE'), ports);

    // then the payment is cancelled and no longer pending
    expect(result).toMatchObject({ outcome: 'cancelled', status: 'CANCELLED' });
    provider.unavailable = false;
    expect((await retryPendingPayments(ports)).examined).toBe(0);
    expect(await retryPendingPayment(ORDER, ports)).toMatchObject({ outcome: 'not-pending' });
    expect(provider.count('authorize')).toBe(1);
  });

  it('voids later when the cancellation of an authorized order meets an outage', async () => {
    // given an authorized payment, then an outage
    await authorized();
    provider.unavailable = true;

    // when the order is cancelled
    const result = await cancelPayment(orderCancelled(), ports);

    // then the void is pending; orders is not told (the order is cancelled already)
    expect(result).toMatchObject({ outcome: 'unavailable', status: 'VOID_PENDING' });
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized']);

    // and the retry voids once the provider is back
    provider.unavailable = false;
    expect((await retryPendingPayments(ports)).outcomes).toEqual({ voided: 1 });
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentVoided']);
  });

  it('voids at once an authorization the retry obtained while the order was being cancelled', async () => {
    // given a payment awaiting the provider, which is back
    provider.unavailable = true;
    await authorized();
    provider.unavailable = false;

    // when the cancellation is stored while the retry's authorization is in flight
    provider.during.authorize = async () => {
      await cancelPayment(orderCancelled('PAYMENT_UNAVAILABLE'), ports);
    };
    const result = await retryPendingPayment(ORDER, ports);

    // then the retry releases the hold it obtained instead of leaving it behind
    expect(result).toMatchObject({ outcome: 'voided', status: 'VOIDED' });
    expect(provider.calls.map((c) => c.operation)).toEqual(['authorize', 'authorize', 'void']);
    expect(payments.eventTypes()).toEqual(['PaymentUnavailable', 'PaymentVoided']);
    expect(await payments.get(ORDER)).toMatchObject({
      authorizationId: 'auth-1',
      cancelledAt: T0.toISOString(),
    });
  });

  it('refunds when a pending capture won the race against the cancellation at the provider', async () => {
    // given a capture pending after an outage
    await authorized();
    provider.unavailable = true;
    await capturePayment(orderConfirmed(), ports);
    provider.unavailable = false;

    // when the retry captures at the provider while the order is being cancelled
    payments.beforeSave = async () => {
      await cancelPayment(orderCancelled('CANCELLED_BY_CUSTOMER', true), ports);
    };
    await retryPendingPayment(ORDER, ports);

    // then the cancellation's void found the capture and refunded it; the retry's capture was not stored
    expect(provider.calls.map((c) => c.operation)).toEqual([
      'authorize',
      'capture',
      'capture',
      'void',
      'refund',
    ]);
    expect(await payments.get(ORDER)).toMatchObject({ status: 'REFUNDED', refundId: 'ref-3' });
    expect(payments.eventTypes()).toEqual(['PaymentAuthorized', 'PaymentUnavailable', 'PaymentRefunded']);
  });
});

describe('retryPendingPayments', () => {
  it('goes on after a failing payment and reports it', async () => {
    // given two orders awaiting the provider
    provider.unavailable = true;
    for (const orderId of ['order-a', 'order-b']) {
      await recordPaymentIntent(orderPlaced('tok_visa', orderId), ports);
      await recordStockReserved(stockReserved(orderId), ports);
    }
    provider.unavailable = false;

    // when the first one fails with a non-outage error
    const realAuthorize = provider.authorize.bind(provider);
    provider.authorize = async (request) => {
      if (request.orderId === 'order-a') throw new PaymentProviderRejected('boom', 400);
      return realAuthorize(request);
    };
    const summary = await retryPendingPayments(ports, { pageSize: 1 });

    // then the second is still authorized (paging through both), and the failure is reported
    expect(summary).toEqual({
      examined: 2,
      outcomes: { authorized: 1 },
      failures: [{ orderId: 'order-a', error: 'boom' }],
      complete: true,
    });
  });

  it('stops when its time budget is spent', async () => {
    provider.unavailable = true;
    await authorized();

    const summary = await retryPendingPayments(ports, { hasTimeLeft: () => false });

    expect(summary).toMatchObject({ examined: 0, complete: false });
  });

  it('gives up after repeated version conflicts', async () => {
    provider.unavailable = true;
    await authorized();
    provider.unavailable = false;
    payments.save = async (payment) => {
      throw new PaymentVersionConflict(payment.orderId);
    };

    await expect(retryPendingPayment(ORDER, ports)).rejects.toBeInstanceOf(PaymentVersionConflict);
  });
});

describe('the card token', () => {
  const cardOf = (payment: Payment | undefined) => ({
    sealed: payment?.intent?.sealedPaymentToken,
    clear: payment?.intent?.paymentToken,
  });
  const noCard = { sealed: undefined, clear: undefined };

  it('is kept sealed until needed, opened for the provider alone, and dropped once authorized', async () => {
    // given the order was placed: the stored intent holds the sealed token, never the clear one
    const placed = orderPlaced('tok_visa');
    await recordPaymentIntent(placed, ports);
    expect(cardOf(await payments.get(ORDER))).toEqual({
      sealed: placed.data.sealedPaymentToken,
      clear: undefined,
    });
    expect(tokens.opened).toEqual([]);

    // when the stock is reserved
    await recordStockReserved(stockReserved(), ports);

    // then the token is opened for this order and the provider gets it in clear
    expect(tokens.opened).toEqual([{ sealed: placed.data.sealedPaymentToken, orderId: ORDER }]);
    expect(provider.calls[0]?.request).toMatchObject({ token: 'tok_visa' });
    // and the authorized payment keeps no token in any form, nor does anything it published
    const payment = await payments.get(ORDER);
    expect(payment).toMatchObject({ status: 'AUTHORIZED', intent: { customerId: 'alice', amount: total } });
    expect(cardOf(payment)).toEqual(noCard);
    expect(JSON.stringify([payment, payments.outbox])).not.toContain(placed.data.sealedPaymentToken);
  });

  it('is dropped once the card is declined', async () => {
    await recordPaymentIntent(orderPlaced('tok_declined'), ports);
    await recordStockReserved(stockReserved(), ports);

    const payment = await payments.get(ORDER);
    expect(payment?.status).toBe('DECLINED');
    expect(cardOf(payment)).toEqual(noCard);
  });

  it('is dropped when the order is cancelled before authorization', async () => {
    // given an intent waiting for its stock
    await recordPaymentIntent(orderPlaced(), ports);

    // when the order is cancelled
    await cancelPayment(orderCancelled('OUT_OF_STOCK'), ports);

    // then the token is gone and the provider was never asked
    expect(cardOf(await payments.get(ORDER))).toEqual(noCard);
    expect(provider.calls).toEqual([]);
  });

  it('is dropped when the order is cancelled while the provider is unavailable', async () => {
    // given an authorization waiting out an outage: the token is still needed for the retry
    provider.unavailable = true;
    await authorized();
    expect(cardOf(await payments.get(ORDER)).sealed).toEqual(expect.any(String));

    // when the order is cancelled
    await cancelPayment(orderCancelled('PAYMENT_UNAVAILABLE'), ports);

    // then nothing is authorized later, and the token is gone
    expect(cardOf(await payments.get(ORDER))).toEqual(noCard);
    provider.unavailable = false;
    await retryPendingPayments(ports);
    expect(provider.count('authorize')).toBe(1);
  });

  it('is opened again by the retry after an outage, then dropped', async () => {
    provider.unavailable = true;
    await authorized();
    provider.unavailable = false;

    await retryPendingPayments(ports);

    expect(provider.calls.map((call) => (call.request as { token: string }).token)).toEqual([
      'tok_visa',
      'tok_visa',
    ]);
    expect(tokens.opened).toHaveLength(2);
    const payment = await payments.get(ORDER);
    expect(payment?.status).toBe('AUTHORIZED');
    expect(cardOf(payment)).toEqual(noCard);
  });

  it('is never stored for an order cancelled before its OrderPlaced arrived', async () => {
    await cancelPayment(orderCancelled(), ports);

    await recordPaymentIntent(orderPlaced(), ports);

    const payment = await payments.get(ORDER);
    expect(payment).toMatchObject({ status: 'CANCELLED', intent: { customerId: 'alice', amount: total } });
    expect(cardOf(payment)).toEqual(noCard);
  });

  it('sealed for another order does not open: the payment is declined without asking the provider', async () => {
    // given an OrderPlaced whose ciphertext was copied from another order
    await recordPaymentIntent(orderPlaced('tok_visa', ORDER, 'order-2'), ports);

    const result = await recordStockReserved(stockReserved(), ports);

    expect(result).toMatchObject({ outcome: 'declined', status: 'DECLINED' });
    expect(provider.calls).toEqual([]);
    const declined = PaymentDeclinedV1.envelopeSchema.parse(payments.outbox[0]);
    expect(declined.data.declineReason).toBe('payment_token_unreadable');
    expect(cardOf(await payments.get(ORDER))).toEqual(noCard);
  });

  it('from an OrderPlaced v1 (clear, replayed or in flight at the cut-over) pays the same and is dropped', async () => {
    const legacy = createEnvelope(
      OrderPlacedV1,
      {
        orderId: ORDER,
        customerId: 'alice',
        items,
        total,
        paymentToken: 'tok_visa',
        placedAt: T0.toISOString(),
      },
      cause,
      { eventId: 'evt-placed-v1', now: T0 },
    );
    await recordLegacyPaymentIntent(legacy, ports);
    expect(cardOf(await payments.get(ORDER))).toEqual({ sealed: undefined, clear: 'tok_visa' });

    await recordStockReserved(stockReserved(), ports);

    expect(provider.calls[0]?.request).toMatchObject({ token: 'tok_visa' });
    expect(tokens.opened).toEqual([]);
    const payment = await payments.get(ORDER);
    expect(payment?.status).toBe('AUTHORIZED');
    expect(cardOf(payment)).toEqual(noCard);
  });
});

import { eventsOf } from '../envelope.js';
import { aggregateVersion, id, timestamp } from '../fields.js';
import { moneySchema } from '../money.js';
import * as z from '../zod.js';

export const ORDERS_PRODUCER = 'orders';

const ordersEvent = eventsOf(ORDERS_PRODUCER);

export const cancellationReasonSchema = z.enum([
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'PAYMENT_UNAVAILABLE',
  'CANCELLED_BY_CUSTOMER',
  'TIMEOUT',
]);
export type CancellationReason = z.infer<typeof cancellationReasonSchema>;

export const orderLineSchema = z.looseObject({
  productId: id,
  quantity: z.int().check(z.positive()),
  unitPrice: moneySchema,
});

/** What every order event carries first: whose order it is, what it holds and what it costs. */
const orderSummary = {
  orderId: id,
  customerId: id,
  items: z.array(orderLineSchema).check(z.minLength(1)),
  total: moneySchema,
};

/** What every order event carries last, since it was added to the contracts already published as v1. */
const orderVersionAddedAfterV1 = {
  /** The order's version after this change: projections keep the newest (optional: added after v1 shipped). */
  orderVersion: z.optional(aggregateVersion),
};

/**
 * The first OrderPlaced: it carries the card token in clear, so every subscriber, the event store and the
 * bus archive kept it. Orders no longer publishes it (V2 replaced it); consumers still read it, because
 * events already stored or archived are replayed.
 */
export const OrderPlacedV1 = ordersEvent('OrderPlaced', 1, {
  ...orderSummary,
  /** Opaque token of the payment provider (never card data). */
  paymentToken: z.string().check(z.minLength(1)),
  placedAt: timestamp,
  ...orderVersionAddedAfterV1,
});

/** The encryption context a sealed payment token is bound to: KMS refuses to open it under any other. */
export const PAYMENT_TOKEN_PURPOSE = 'payment-token';

/**
 * OrderPlaced as orders publishes it: the card token travels sealed for payments alone (decisions.md), so
 * the bus, the event store, the archive and every other subscriber only ever see ciphertext.
 */
export const OrderPlacedV2 = ordersEvent('OrderPlaced', 2, {
  ...orderSummary,
  /**
   * The provider's card token as ciphertext only payments can open, bound to the order id by the
   * encryption context (`{ orderId, purpose: 'payment-token' }`): base64 of a KMS ciphertext blob.
   */
  sealedPaymentToken: z.base64().check(z.minLength(1)),
  placedAt: timestamp,
  /** The order's version after this change: projections keep the newest. */
  orderVersion: aggregateVersion,
});

export const OrderConfirmedV1 = ordersEvent('OrderConfirmed', 1, {
  ...orderSummary,
  confirmedAt: timestamp,
  ...orderVersionAddedAfterV1,
});

export const OrderCancelledV1 = ordersEvent('OrderCancelled', 1, {
  ...orderSummary,
  reason: cancellationReasonSchema,
  /** True when the order had been confirmed (stock sold, payment captured): compensations must undo both. */
  wasConfirmed: z.boolean(),
  cancelledAt: timestamp,
  ...orderVersionAddedAfterV1,
});

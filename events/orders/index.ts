import * as z from 'zod';
import { defineEvent } from '../envelope.js';
import { moneySchema } from '../money.js';

export const ORDERS_PRODUCER = 'orders';

export const cancellationReasonSchema = z.enum([
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'PAYMENT_UNAVAILABLE',
  'CANCELLED_BY_CUSTOMER',
  'TIMEOUT',
]);
export type CancellationReason = z.infer<typeof cancellationReasonSchema>;

export const orderLineSchema = z.looseObject({
  productId: z.string().min(1),
  quantity: z.int().positive(),
  unitPrice: moneySchema,
});

/**
 * The first OrderPlaced: it carries the card token in clear, so every subscriber, the event store and the
 * bus archive kept it. Orders no longer publishes it (V2 replaced it); consumers still read it, because
 * events already stored or archived are replayed.
 */
export const OrderPlacedV1 = defineEvent({
  type: 'OrderPlaced',
  version: 1,
  producer: ORDERS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    items: z.array(orderLineSchema).min(1),
    total: moneySchema,
    /** Opaque token of the payment provider (never card data). */
    paymentToken: z.string().min(1),
    placedAt: z.iso.datetime({ offset: true }),
    /** The order's version after this change: projections keep the newest (optional: added after v1 shipped). */
    orderVersion: z.int().positive().optional(),
  }),
});

/** The encryption context a sealed payment token is bound to: KMS refuses to open it under any other. */
export const PAYMENT_TOKEN_PURPOSE = 'payment-token';

/**
 * OrderPlaced as orders publishes it: the card token travels sealed for payments alone (decisions.md), so
 * the bus, the event store, the archive and every other subscriber only ever see ciphertext.
 */
export const OrderPlacedV2 = defineEvent({
  type: 'OrderPlaced',
  version: 2,
  producer: ORDERS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    items: z.array(orderLineSchema).min(1),
    total: moneySchema,
    /**
     * The provider's card token as ciphertext only payments can open, bound to the order id by the
     * encryption context (`{ orderId, purpose: 'payment-token' }`): base64 of a KMS ciphertext blob.
     */
    sealedPaymentToken: z.base64().min(1),
    placedAt: z.iso.datetime({ offset: true }),
    /** The order's version after this change: projections keep the newest. */
    orderVersion: z.int().positive(),
  }),
});

export const OrderConfirmedV1 = defineEvent({
  type: 'OrderConfirmed',
  version: 1,
  producer: ORDERS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    items: z.array(orderLineSchema).min(1),
    total: moneySchema,
    confirmedAt: z.iso.datetime({ offset: true }),
    /** The order's version after this change: projections keep the newest (optional: added after v1 shipped). */
    orderVersion: z.int().positive().optional(),
  }),
});

export const OrderCancelledV1 = defineEvent({
  type: 'OrderCancelled',
  version: 1,
  producer: ORDERS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    items: z.array(orderLineSchema).min(1),
    total: moneySchema,
    reason: cancellationReasonSchema,
    /** True when the order had been confirmed (stock sold, payment captured): compensations must undo both. */
    wasConfirmed: z.boolean(),
    cancelledAt: z.iso.datetime({ offset: true }),
    /** The order's version after this change: projections keep the newest (optional: added after v1 shipped). */
    orderVersion: z.int().positive().optional(),
  }),
});

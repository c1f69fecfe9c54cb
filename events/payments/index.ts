import { eventsOf } from '../envelope.js';
import { id, timestamp } from '../fields.js';
import { moneySchema } from '../money.js';
import * as z from '../zod.js';

export const PAYMENTS_PRODUCER = 'payments';

const paymentsEvent = eventsOf(PAYMENTS_PRODUCER);

/** The payment of an order: every event about an authorization names both. */
const orderPayment = { orderId: id, paymentId: id };

/** A payment and the amount it moves: authorized, captured or refunded. */
const paymentAmount = { ...orderPayment, amount: moneySchema };

export const PaymentAuthorizedV1 = paymentsEvent('PaymentAuthorized', 1, {
  ...paymentAmount,
  authorizedAt: timestamp,
});

export const PaymentDeclinedV1 = paymentsEvent('PaymentDeclined', 1, {
  orderId: id,
  customerId: id,
  amount: moneySchema,
  declineReason: z.string(),
  declinedAt: timestamp,
});

/** The provider could not be reached; payments keeps retrying until the order is confirmed or cancelled. */
export const PaymentUnavailableV1 = paymentsEvent('PaymentUnavailable', 1, {
  orderId: id,
  detail: z.string(),
  at: timestamp,
});

export const PaymentCapturedV1 = paymentsEvent('PaymentCaptured', 1, {
  ...paymentAmount,
  capturedAt: timestamp,
});

export const PaymentRefundedV1 = paymentsEvent('PaymentRefunded', 1, {
  ...paymentAmount,
  refundedAt: timestamp,
});

/** An authorization released without capture (order cancelled before confirmation). */
export const PaymentVoidedV1 = paymentsEvent('PaymentVoided', 1, { ...orderPayment, voidedAt: timestamp });

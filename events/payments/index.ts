import * as z from 'zod';
import { defineEvent } from '../envelope.js';
import { moneySchema } from '../money.js';

export const PAYMENTS_PRODUCER = 'payments';

export const PaymentAuthorizedV1 = defineEvent({
  type: 'PaymentAuthorized',
  version: 1,
  producer: PAYMENTS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    paymentId: z.string().min(1),
    amount: moneySchema,
    authorizedAt: z.iso.datetime({ offset: true }),
  }),
});

export const PaymentDeclinedV1 = defineEvent({
  type: 'PaymentDeclined',
  version: 1,
  producer: PAYMENTS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    amount: moneySchema,
    declineReason: z.string(),
    declinedAt: z.iso.datetime({ offset: true }),
  }),
});

/** The provider could not be reached; payments keeps retrying until the order is confirmed or cancelled. */
export const PaymentUnavailableV1 = defineEvent({
  type: 'PaymentUnavailable',
  version: 1,
  producer: PAYMENTS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    detail: z.string(),
    at: z.iso.datetime({ offset: true }),
  }),
});

export const PaymentCapturedV1 = defineEvent({
  type: 'PaymentCaptured',
  version: 1,
  producer: PAYMENTS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    paymentId: z.string().min(1),
    amount: moneySchema,
    capturedAt: z.iso.datetime({ offset: true }),
  }),
});

export const PaymentRefundedV1 = defineEvent({
  type: 'PaymentRefunded',
  version: 1,
  producer: PAYMENTS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    paymentId: z.string().min(1),
    amount: moneySchema,
    refundedAt: z.iso.datetime({ offset: true }),
  }),
});

/** An authorization released without capture (order cancelled before confirmation). */
export const PaymentVoidedV1 = defineEvent({
  type: 'PaymentVoided',
  version: 1,
  producer: PAYMENTS_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    paymentId: z.string().min(1),
    voidedAt: z.iso.datetime({ offset: true }),
  }),
});

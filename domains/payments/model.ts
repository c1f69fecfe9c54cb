import type { CausalContext } from '../../events/envelope.js';
import type { Money } from '../../events/money.js';
import { ConflictError } from '../../shared/errors.js';

/**
 * Where the payment of one order stands.
 *
 * - `PENDING`: waiting for the order's intent (OrderPlaced) and its stock reservation (StockReserved), which
 *   may arrive in either order; nothing is asked of the provider before both are known.
 * - `AWAITING_PROVIDER`, `CAPTURE_PENDING`, `VOID_PENDING`, `REFUND_PENDING`: an operation with the provider
 *   is owed (authorize, capture, void, refund). It is tried at once and, while the provider is unavailable,
 *   retried by the scheduled `paymentsRetryPending` until it succeeds.
 * - `AUTHORIZED`, `DECLINED`, `CAPTURED`, `VOIDED`, `REFUNDED`: the provider's last word.
 * - `CANCELLED`: the order was cancelled before anything was authorized; nothing is ever authorized later.
 */
export type PaymentStatus =
  | 'PENDING'
  | 'AWAITING_PROVIDER'
  | 'AUTHORIZED'
  | 'DECLINED'
  | 'CAPTURE_PENDING'
  | 'CAPTURED'
  | 'VOID_PENDING'
  | 'VOIDED'
  | 'REFUND_PENDING'
  | 'REFUNDED'
  | 'CANCELLED';

export type ProviderOperation = 'authorize' | 'capture' | 'void' | 'refund';

const OWED_OPERATION: Partial<Record<PaymentStatus, ProviderOperation>> = {
  AWAITING_PROVIDER: 'authorize',
  CAPTURE_PENDING: 'capture',
  VOID_PENDING: 'void',
  REFUND_PENDING: 'refund',
};

/**
 * What the customer asked to pay, from OrderPlaced. The card token is kept only while the authorization
 * may still be needed: `forgetCardToken` drops it once the provider has answered or the order is cancelled.
 */
export interface PaymentIntent {
  customerId: string;
  amount: Money;
  /** The provider's card token sealed for payments (OrderPlaced v2), opened just before authorizing. */
  sealedPaymentToken?: string;
  /** The card token in clear, from an OrderPlaced v1 (published before v2, or replayed). */
  paymentToken?: string;
}

/** The card part of an intent, from whichever OrderPlaced version brought it. */
export type CardToken = Pick<PaymentIntent, 'sealedPaymentToken' | 'paymentToken'>;

export interface Payment {
  orderId: string;
  paymentId: string;
  status: PaymentStatus;
  intent?: PaymentIntent;
  stockReserved: boolean;
  /** Set once OrderCancelled is seen: from then on nothing is authorized or captured. */
  cancelledAt?: string;
  authorizationId?: string;
  captureId?: string;
  refundId?: string;
  declineReason?: string;
  /** When the owed operation first failed for unavailability; absent when nothing is waiting. */
  pendingSince?: string;
  lastProviderError?: string;
  /** PaymentUnavailable was published for the current outage episode (reset by the next provider answer). */
  unavailableNotified: boolean;
  /** Of the event that last moved the payment: events published later by the retry carry them on. */
  correlationId: string;
  causationId: string;
  /** Optimistic concurrency: the consumer and the scheduled retry may update the same payment. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export class PaymentVersionConflict extends ConflictError {
  override readonly code = 'payment-version-conflict';
  constructor(orderId: string) {
    super(`The payment of order ${orderId} changed concurrently.`, { orderId });
  }
}

/** A payment record before the first event about the order is stored (version 0 = not stored yet). */
export function newPayment(orderId: string, paymentId: string, trace: CausalContext, now: Date): Payment {
  const timestamp = now.toISOString();
  return {
    orderId,
    paymentId,
    status: 'PENDING',
    stockReserved: false,
    unavailableNotified: false,
    correlationId: trace.correlationId,
    causationId: trace.causationId,
    version: 0,
    createdAt: timestamp,
    updatedAt: timestamp,
  };
}

/**
 * The payment without its card token: once the authorization is answered (approved or declined) or the
 * order is cancelled, the token is never needed again, so it is not kept (issue 10: nothing in clear, and
 * not even ciphertext, outlives its use).
 */
export function forgetCardToken(payment: Payment): Payment {
  if (!payment.intent) return payment;
  const { sealedPaymentToken: _sealed, paymentToken: _clear, ...intent } = payment.intent;
  return { ...payment, intent };
}

/** Whether the intent still holds a card token (sealed or, from v1, clear). */
export function holdsCardToken(payment: Payment): boolean {
  return payment.intent?.sealedPaymentToken !== undefined || payment.intent?.paymentToken !== undefined;
}

/** The operation owed to the provider in this status, if any. */
export function owedOperation(payment: Payment): ProviderOperation | undefined {
  return OWED_OPERATION[payment.status];
}

/** Records that `trace` moved the payment now. */
export function touched(payment: Payment, trace: CausalContext, now: Date): Payment {
  return {
    ...payment,
    correlationId: trace.correlationId,
    causationId: trace.causationId,
    updatedAt: now.toISOString(),
  };
}

/** The payment owing a new operation: nothing has been tried yet. */
export function owing(
  payment: Payment,
  status: 'AWAITING_PROVIDER' | 'CAPTURE_PENDING' | 'VOID_PENDING' | 'REFUND_PENDING',
): Payment {
  return { ...payment, status, pendingSince: undefined, lastProviderError: undefined };
}

/** Authorize only once both the intent and the reservation are known, and never for a cancelled order. */
export function readyToAuthorize(payment: Payment): boolean {
  return (
    payment.status === 'PENDING' &&
    payment.intent !== undefined &&
    payment.stockReserved &&
    payment.cancelledAt === undefined
  );
}

/** Provider idempotency keys derive from the order and the operation: a retry never charges twice. */
export function idempotencyKeyFor(orderId: string, operation: ProviderOperation): string {
  return `${orderId}:${operation}`;
}

export function intentOf(payment: Payment): PaymentIntent {
  if (!payment.intent) throw new Error(`Payment of order ${payment.orderId} has no intent yet`);
  return payment.intent;
}

export function authorizationOf(payment: Payment): string {
  if (!payment.authorizationId) throw new Error(`Payment of order ${payment.orderId} is not authorized`);
  return payment.authorizationId;
}

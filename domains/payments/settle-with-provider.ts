import { type CausalContext, createEnvelope, type EventEnvelope } from '../../events/envelope.js';
import {
  PaymentAuthorizedV1,
  PaymentCapturedV1,
  PaymentDeclinedV1,
  PaymentRefundedV1,
  PaymentUnavailableV1,
  PaymentVoidedV1,
} from '../../events/payments/index.js';
import { PaymentTokenUnreadable } from '../../shared/crypto/payment-token.js';
import { retryOnConflict } from '../../shared/dynamodb/retry-on-conflict.js';
import {
  authorizationOf,
  forgetCardToken,
  idempotencyKeyFor,
  intentOf,
  owedOperation,
  owing,
  type Payment,
  type PaymentIntent,
  type PaymentStatus,
  PaymentVersionConflict,
  type ProviderOperation,
} from './model.js';
import {
  PaymentProviderUnavailable,
  type PaymentRepository,
  type PaymentTokenOpener,
  type ProviderPorts,
} from './ports.js';

export type PaymentOutcome =
  | 'authorized'
  | 'declined'
  | 'captured'
  | 'voided'
  | 'refunded'
  | 'unavailable'
  | 'waiting-for-intent'
  | 'waiting-for-stock'
  | 'cancelled'
  | 'duplicate'
  | 'ignored'
  | 'not-pending';

/** What a use case did with one payment, for logs and tests. */
export interface PaymentResult {
  orderId: string;
  outcome: PaymentOutcome;
  status: PaymentStatus | undefined;
}

/** A decision about one payment: the payment to store (none: leave it as is) and the events to publish. */
export interface Step {
  next?: Payment;
  events: EventEnvelope[];
  outcome: PaymentOutcome;
}

export const unchanged = (outcome: PaymentOutcome): Step => ({ events: [], outcome });

/**
 * Reads the payment, lets `decide` act on it and stores the result with its events, optimistically: the
 * scheduled retry may update the same payment meanwhile; then the payment is read again and `decide` runs
 * again on what is stored (provider calls are idempotent, so repeating one is safe).
 */
export async function updatePayment(
  orderId: string,
  payments: PaymentRepository,
  decide: (current: Payment | undefined) => Promise<Step>,
): Promise<PaymentResult> {
  return retryOnConflict(
    async (): Promise<PaymentResult> => {
      const current = await payments.get(orderId);
      const step = await decide(current);
      if (!step.next) return { orderId, outcome: step.outcome, status: current?.status };
      await payments.save(
        { ...step.next, version: (current?.version ?? 0) + 1 },
        current?.version,
        step.events,
      );
      return { orderId, outcome: step.outcome, status: step.next.status };
    },
    { retryOn: (error) => error instanceof PaymentVersionConflict },
  );
}

/**
 * Performs the operation the payment owes the provider (see `owedOperation`). An answer settles it and
 * publishes its event; unavailability leaves it owed (for the scheduled retry) and publishes
 * PaymentUnavailable once per outage episode, for authorizations and captures (the steps an order waits on).
 */
export async function settle(payment: Payment, ports: ProviderPorts, trace: CausalContext): Promise<Step> {
  const operation = owedOperation(payment);
  if (!operation) return unchanged('not-pending');
  const now = ports.clock.now();
  try {
    switch (operation) {
      case 'authorize':
        return await authorize(payment, ports, trace, now);
      case 'capture':
      case 'refund':
        return await moveAmount(payment, operation, ports, trace, now);
      case 'void':
        return await voidAuthorization(payment, ports, trace, now);
    }
  } catch (error) {
    if (!(error instanceof PaymentProviderUnavailable)) throw error;
    return unavailable(payment, operation, error, trace, now);
  }
}

/** The provider answered: the outage episode, if any, is over. */
function answered(next: Payment, outcome: PaymentOutcome, event: EventEnvelope): Step {
  return {
    next: { ...next, pendingSince: undefined, lastProviderError: undefined, unavailableNotified: false },
    events: [event],
    outcome,
  };
}

/** The provider's decline reason when the sealed card token cannot be opened (tampered, another order). */
export const UNREADABLE_TOKEN_REASON = 'payment_token_unreadable';

/**
 * Authorizes the intent's amount with its card token, opened only for this call. Whatever the provider
 * answers settles the authorization, so the token is dropped from the payment in the same write.
 */
async function authorize(
  payment: Payment,
  ports: ProviderPorts,
  trace: CausalContext,
  now: Date,
): Promise<Step> {
  const { orderId, paymentId } = payment;
  const intent = intentOf(payment);
  const result = await authorizeWithCard(orderId, intent, ports);
  const at = now.toISOString();
  const settled = forgetCardToken(payment);
  if (result.outcome === 'declined') {
    const declined = createEnvelope(
      PaymentDeclinedV1,
      {
        orderId,
        customerId: intent.customerId,
        amount: intent.amount,
        declineReason: result.reason,
        declinedAt: at,
      },
      trace,
      { now },
    );
    return answered({ ...settled, status: 'DECLINED', declineReason: result.reason }, 'declined', declined);
  }
  const authorized = createEnvelope(
    PaymentAuthorizedV1,
    { orderId, paymentId, amount: intent.amount, authorizedAt: at },
    trace,
    { now },
  );
  return answered(
    { ...settled, status: 'AUTHORIZED', authorizationId: result.authorizationId },
    'authorized',
    authorized,
  );
}

/** A token that can never be opened is the customer's card failing, not an outage: it is declined. */
async function authorizeWithCard(orderId: string, intent: PaymentIntent, ports: ProviderPorts) {
  let token: string;
  try {
    token = await cardTokenOf(orderId, intent, ports.tokens);
  } catch (error) {
    if (!(error instanceof PaymentTokenUnreadable)) throw error;
    return { outcome: 'declined', reason: UNREADABLE_TOKEN_REASON } as const;
  }
  return ports.provider.authorize({
    orderId,
    amount: intent.amount,
    token,
    idempotencyKey: idempotencyKeyFor(orderId, 'authorize'),
  });
}

function cardTokenOf(orderId: string, intent: PaymentIntent, tokens: PaymentTokenOpener): Promise<string> {
  if (intent.sealedPaymentToken !== undefined) return tokens.open(intent.sealedPaymentToken, { orderId });
  if (intent.paymentToken !== undefined) return Promise.resolve(intent.paymentToken);
  throw new Error(`Payment of order ${orderId} has no card token left to authorize with`);
}

/** The provider call on an existing authorization, under the key of the order and operation. */
function onAuthorization(payment: Payment, operation: 'capture' | 'void' | 'refund') {
  return {
    authorizationId: authorizationOf(payment),
    idempotencyKey: idempotencyKeyFor(payment.orderId, operation),
  };
}

/**
 * Capture and refund both move the authorized amount (to the merchant, or back to the customer) and settle
 * alike; they differ only in the provider call, the reference it returns, the status and the event.
 */
async function moveAmount(
  payment: Payment,
  operation: 'capture' | 'refund',
  ports: ProviderPorts,
  trace: CausalContext,
  now: Date,
): Promise<Step> {
  const request = onAuthorization(payment, operation);
  const at = now.toISOString();
  if (operation === 'capture') {
    const { captureId } = await ports.provider.capture(request);
    const data = { ...movedAmount(payment), capturedAt: at };
    const captured = createEnvelope(PaymentCapturedV1, data, trace, { now });
    return answered({ ...payment, status: 'CAPTURED', captureId }, 'captured', captured);
  }
  const { refundId } = await ports.provider.refund(request);
  const data = { ...movedAmount(payment), refundedAt: at };
  const refunded = createEnvelope(PaymentRefundedV1, data, trace, { now });
  return answered({ ...payment, status: 'REFUNDED', refundId }, 'refunded', refunded);
}

/** What PaymentCaptured and PaymentRefunded say besides their timestamp. */
function movedAmount(payment: Payment) {
  return { orderId: payment.orderId, paymentId: payment.paymentId, amount: intentOf(payment).amount };
}

async function voidAuthorization(
  payment: Payment,
  ports: ProviderPorts,
  trace: CausalContext,
  now: Date,
): Promise<Step> {
  const result = await ports.provider.void(onAuthorization(payment, 'void'));
  // A capture raced the cancellation and won at the provider: the money is taken, so give it back.
  if (result.outcome === 'already-captured') return settle(owing(payment, 'REFUND_PENDING'), ports, trace);
  const data = { orderId: payment.orderId, paymentId: payment.paymentId, voidedAt: now.toISOString() };
  const voided = createEnvelope(PaymentVoidedV1, data, trace, { now });
  return answered({ ...payment, status: 'VOIDED' }, 'voided', voided);
}

function unavailable(
  payment: Payment,
  operation: ProviderOperation,
  error: PaymentProviderUnavailable,
  trace: CausalContext,
  now: Date,
): Step {
  const notify = !payment.unavailableNotified && (operation === 'authorize' || operation === 'capture');
  const next: Payment = {
    ...payment,
    pendingSince: payment.pendingSince ?? now.toISOString(),
    lastProviderError: error.message,
    unavailableNotified: payment.unavailableNotified || notify,
  };
  const events = notify
    ? [
        createEnvelope(
          PaymentUnavailableV1,
          { orderId: payment.orderId, detail: `${operation}: ${error.message}`, at: now.toISOString() },
          trace,
          { now },
        ),
      ]
    : [];
  return { next, events, outcome: 'unavailable' };
}

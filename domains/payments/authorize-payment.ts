import { causedBy, type EventEnvelope } from '../../events/envelope.js';
import type { StockReservedV1 } from '../../events/inventory/index.js';
import type { Money } from '../../events/money.js';
import type { OrderPlacedV1, OrderPlacedV2 } from '../../events/orders/index.js';
import { type CardToken, newPayment, owing, type Payment, readyToAuthorize, touched } from './model.js';
import type { EventOf, PaymentPorts } from './ports.js';
import {
  type PaymentOutcome,
  type PaymentResult,
  settle,
  unchanged,
  updatePayment,
} from './settle-with-provider.js';

/**
 * OrderPlaced: stores what the customer pays (the order's total, with its sealed card token). The card is
 * authorized once the stock is reserved too, whichever of the two events arrives first.
 */
export function recordPaymentIntent(
  event: EventOf<typeof OrderPlacedV2>,
  ports: PaymentPorts,
): Promise<PaymentResult> {
  return recordIntent(event, { sealedPaymentToken: event.data.sealedPaymentToken }, ports);
}

/**
 * OrderPlaced v1, published before v2 or replayed from the store or the archive: its token is in clear.
 * It is kept under the same rule as a sealed one, only until the authorization is answered.
 */
export function recordLegacyPaymentIntent(
  event: EventOf<typeof OrderPlacedV1>,
  ports: PaymentPorts,
): Promise<PaymentResult> {
  return recordIntent(event, { paymentToken: event.data.paymentToken }, ports);
}

/** An order already cancelled keeps no card token: it will never be authorized. */
function recordIntent(
  event: EventEnvelope<{ orderId: string; customerId: string; total: Money }>,
  card: CardToken,
  ports: PaymentPorts,
): Promise<PaymentResult> {
  const { customerId, total } = event.data;
  return recordThenAuthorize(event, ports, 'waiting-for-stock', (payment) => {
    if (payment.intent) return undefined;
    const mayAuthorize = payment.status === 'PENDING' && payment.cancelledAt === undefined;
    return { ...payment, intent: { customerId, amount: total, ...(mayAuthorize ? card : {}) } };
  });
}

/** StockReserved: the order can be served; authorize its payment once its intent is known too. */
export function recordStockReserved(
  event: EventOf<typeof StockReservedV1>,
  ports: PaymentPorts,
): Promise<PaymentResult> {
  return recordThenAuthorize(event, ports, 'waiting-for-intent', (payment) =>
    payment.stockReserved ? undefined : { ...payment, stockReserved: true },
  );
}

/**
 * Applies `record` (undefined: the event was seen already) and authorizes when both halves are known. A
 * cancelled order keeps what it learns but is never authorized.
 */
function recordThenAuthorize(
  event: EventEnvelope<{ orderId: string }>,
  ports: PaymentPorts,
  waiting: PaymentOutcome,
  record: (payment: Payment) => Payment | undefined,
): Promise<PaymentResult> {
  const { orderId } = event.data;
  const trace = causedBy(event);
  return updatePayment(orderId, ports.payments, async (current) => {
    const now = ports.clock.now();
    const base = current ?? newPayment(orderId, ports.newId?.() ?? crypto.randomUUID(), trace, now);
    const recorded = record(base);
    if (!recorded) return unchanged('duplicate');
    const next = touched(recorded, trace, now);
    if (readyToAuthorize(next)) return settle(owing(next, 'AWAITING_PROVIDER'), ports, trace);
    return { next, events: [], outcome: next.cancelledAt ? 'cancelled' : waiting };
  });
}

import type { EventEnvelope } from '../../events/envelope.js';
import type { StockReservedV1 } from '../../events/inventory/index.js';
import type { OrderPlacedV1 } from '../../events/orders/index.js';
import { newPayment, owing, type Payment, readyToAuthorize, touched } from './model.js';
import type { EventOf } from './ports.js';
import {
  causedBy,
  type PaymentOutcome,
  type PaymentPorts,
  type PaymentResult,
  settle,
  unchanged,
  updatePayment,
} from './settle.js';

/**
 * OrderPlaced: stores what the customer pays (the order's total, with its payment token). The card is
 * authorized once the stock is reserved too, whichever of the two events arrives first.
 */
export function recordPaymentIntent(
  event: EventOf<typeof OrderPlacedV1>,
  ports: PaymentPorts,
): Promise<PaymentResult> {
  const { customerId, total, paymentToken } = event.data;
  return recordThenAuthorize(event, ports, 'waiting-for-stock', (payment) =>
    payment.intent ? undefined : { ...payment, intent: { customerId, amount: total, paymentToken } },
  );
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

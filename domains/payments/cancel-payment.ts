import { causedBy } from '../../events/envelope.js';
import type { OrderCancelledV1 } from '../../events/orders/index.js';
import { forgetCardToken, newPayment, owing, touched } from './model.js';
import type { EventOf, PaymentPorts } from './ports.js';
import { type PaymentResult, settle, unchanged, updatePayment } from './settle-with-provider.js';

/**
 * OrderCancelled: whatever was taken is given back — an uncaptured authorization is voided, a capture is
 * refunded — and the payment is marked cancelled, so a late StockReserved or a pending retry never
 * authorizes it; its card token, if still held, is dropped for the same reason. A cancellation that
 * overtakes OrderPlaced leaves a tombstone for the same reason.
 */
export function cancelPayment(
  event: EventOf<typeof OrderCancelledV1>,
  ports: PaymentPorts,
): Promise<PaymentResult> {
  const { orderId } = event.data;
  const trace = causedBy(event);
  return updatePayment(orderId, ports.payments, async (current) => {
    if (current?.cancelledAt) return unchanged('duplicate');
    const now = ports.clock.now();
    const base = current ?? newPayment(orderId, ports.newId?.() ?? crypto.randomUUID(), trace, now);
    const cancelled = { ...forgetCardToken(touched(base, trace, now)), cancelledAt: now.toISOString() };
    switch (base.status) {
      case 'PENDING':
      case 'AWAITING_PROVIDER':
        return {
          next: { ...cancelled, status: 'CANCELLED', pendingSince: undefined, lastProviderError: undefined },
          events: [],
          outcome: 'cancelled',
        };
      case 'AUTHORIZED':
      case 'CAPTURE_PENDING':
        return settle(owing(cancelled, 'VOID_PENDING'), ports, trace);
      case 'CAPTURED':
        return settle(owing(cancelled, 'REFUND_PENDING'), ports, trace);
      default:
        // Declined, or already given back: nothing to undo, but nothing may happen later either.
        return { next: cancelled, events: [], outcome: 'cancelled' };
    }
  });
}

import { causedBy } from '../../events/envelope.js';
import type { OrderConfirmedV1 } from '../../events/orders/index.js';
import { owing, touched } from './model.js';
import type { EventOf, PaymentPorts } from './ports.js';
import { type PaymentResult, settle, unchanged, updatePayment } from './settle-with-provider.js';

/** OrderConfirmed: the order is sold, so the authorized amount is captured. */
export function capturePayment(
  event: EventOf<typeof OrderConfirmedV1>,
  ports: PaymentPorts,
): Promise<PaymentResult> {
  const trace = causedBy(event);
  return updatePayment(event.data.orderId, ports.payments, async (current) => {
    if (!current || current.cancelledAt) return unchanged('ignored');
    if (current.status === 'CAPTURE_PENDING' || current.status === 'CAPTURED') return unchanged('duplicate');
    // Orders confirms only after PaymentAuthorized; anything else is a confirmation this payment cannot serve.
    if (current.status !== 'AUTHORIZED') return unchanged('ignored');
    return settle(owing(touched(current, trace, ports.clock.now()), 'CAPTURE_PENDING'), ports, trace);
  });
}

import { changeOrder } from '../../domains/orders/change-order.js';
import type { SagaTrigger } from '../../domains/orders/model.js';
import { causedBy, type EventEnvelope } from '../../events/envelope.js';
import { StockReservationFailedV1 } from '../../events/inventory/index.js';
import { PaymentAuthorizedV1, PaymentDeclinedV1, PaymentUnavailableV1 } from '../../events/payments/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { eventConsumer } from '../../shared/consumers/event-consumer.js';
import { logger } from '../../shared/observability.js';
import { clock, lifecycle, orderRepository } from './dependencies.js';

const apply =
  (trigger: SagaTrigger) =>
  async (event: EventEnvelope<{ orderId: string }>): Promise<void> => {
    const { orderId } = event.data;
    const result = await changeOrder(
      orderId,
      trigger,
      { orders: orderRepository(), clock, lifecycle },
      causedBy(event),
    );
    const details = { orderId, trigger: trigger.type, outcome: result.outcome };
    if (result.outcome === 'unknown-order') logger.warn('Saga event about an unknown order ignored', details);
    else logger.info('Saga event applied', details);
  };

/**
 * The saga's facts about an order, as the bus delivers them: at least once, in no particular order, maybe
 * two of one order at the same time. None of that changes the outcome, so no FIFO queue is needed: every
 * fact applies only to a PENDING order (PaymentUnavailable only once), and the change is saved on the
 * version it was read at; a fact that loses that race reads the order again (`changeOrder`), and a
 * redelivered or late fact finds the order moved on and is ignored. No idempotency record either.
 */
export const handler = eventConsumer([
  on(StockReservationFailedV1, apply({ type: 'StockReservationFailed' })),
  on(PaymentAuthorizedV1, apply({ type: 'PaymentAuthorized' })),
  on(PaymentDeclinedV1, apply({ type: 'PaymentDeclined' })),
  on(PaymentUnavailableV1, apply({ type: 'PaymentUnavailable' })),
]);

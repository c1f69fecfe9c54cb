import { changeOrder } from '../../domains/orders/change-order.js';
import type { SagaTrigger } from '../../domains/orders/model.js';
import { causedBy, type EventEnvelope } from '../../events/envelope.js';
import { StockReservationFailedV1 } from '../../events/inventory/index.js';
import { PaymentAuthorizedV1, PaymentDeclinedV1, PaymentUnavailableV1 } from '../../events/payments/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { sqsFifoEventConsumer } from '../../shared/consumers/sqs-fifo.js';
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
 * The saga's facts about an order, from the orders FIFO queue (one order at a time, in order). No
 * idempotency record: every fact applies only to a PENDING order (PaymentUnavailable only once), and the
 * change is saved on the version it was read at, so a redelivered fact finds the order moved on and is
 * ignored.
 */
export const handler = sqsFifoEventConsumer([
  on(StockReservationFailedV1, apply({ type: 'StockReservationFailed' })),
  on(PaymentAuthorizedV1, apply({ type: 'PaymentAuthorized' })),
  on(PaymentDeclinedV1, apply({ type: 'PaymentDeclined' })),
  on(PaymentUnavailableV1, apply({ type: 'PaymentUnavailable' })),
]);

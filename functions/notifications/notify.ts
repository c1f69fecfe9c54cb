import type { NotificationFact } from '../../domains/notifications/model.js';
import { notifyCustomer } from '../../domains/notifications/notify-customer.js';
import type { EventEnvelope } from '../../events/envelope.js';
import { OrderCancelledV1, OrderConfirmedV1 } from '../../events/orders/index.js';
import { PaymentDeclinedV1 } from '../../events/payments/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { eventConsumer } from '../../shared/consumers/event-consumer.js';
import { logger } from '../../shared/observability.js';
import { notifyPorts } from './dependencies.js';

async function notify(event: EventEnvelope, fact: NotificationFact): Promise<void> {
  const { eventId, correlationId } = event.metadata;
  const { outcome, notification } = await notifyCustomer({ eventId, correlationId, fact }, notifyPorts());
  const details = {
    notificationId: notification.notificationId,
    kind: fact.kind,
    channel: notification.channel,
  };
  if (outcome === 'failed') logger.error('Notification could not be sent', { ...details, outcome });
  else logger.info('Notification handled', { ...details, outcome });
}

/** Tells customers about their orders: one notification per event, recorded, then sent. */
export const handler = eventConsumer([
  on(OrderConfirmedV1, (event) => notify(event, { ...event.data, kind: 'order-confirmed' })),
  on(OrderCancelledV1, (event) => notify(event, { ...event.data, kind: 'order-cancelled' })),
  on(PaymentDeclinedV1, (event) => notify(event, { ...event.data, kind: 'payment-declined' })),
]);

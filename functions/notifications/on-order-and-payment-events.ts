import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { NotificationFact } from '../../domains/notifications/model.js';
import { notifyCustomer } from '../../domains/notifications/notify-customer.js';
import type { EventEnvelope } from '../../events/envelope.js';
import { OrderCancelledV1, OrderConfirmedV1 } from '../../events/orders/index.js';
import { PaymentDeclinedV1 } from '../../events/payments/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { sqsBatchEventConsumer } from '../../shared/consumers/sqs-batch.js';
import { logger, metrics } from '../../shared/observability.js';
import { notifyPorts } from './dependencies.js';

async function notify(event: EventEnvelope, fact: NotificationFact): Promise<void> {
  const { eventId, correlationId } = event.metadata;
  const { outcome, notification } = await notifyCustomer({ eventId, correlationId, fact }, notifyPorts());
  // Ids and outcomes only: never the recipient, the customer's name or the message.
  const details = {
    notificationId: notification.notificationId,
    kind: fact.kind,
    channel: notification.channel,
    outcome,
  };
  if (outcome === 'failed') {
    metrics.addMetric('NotificationsFailed', MetricUnit.Count, 1);
    logger.error('The provider refused the notification', {
      ...details,
      failureReason: notification.failureReason,
    });
  } else {
    logger.info('Notification handled', { ...details, providerMessageId: notification.providerMessageId });
  }
}

/**
 * Tells customers about their orders: one notification per event, recorded, then sent. A redelivered
 * event is a `duplicate`: the record, keyed by an id derived from the event id, is the claim to send.
 */
export const handler = sqsBatchEventConsumer([
  on(OrderConfirmedV1, (event) => notify(event, { ...event.data, kind: 'order-confirmed' })),
  on(OrderCancelledV1, (event) => notify(event, { ...event.data, kind: 'order-cancelled' })),
  on(PaymentDeclinedV1, (event) => notify(event, { ...event.data, kind: 'payment-declined' })),
]);

import { messageFor } from './messages.js';
import { NO_CHANNEL, type Notification, notificationIdOf, type SourceEvent } from './model.js';
import type {
  Clock,
  ContactBook,
  NotificationRepository,
  NotificationSender,
  OutgoingMessage,
} from './ports.js';

export interface NotifyPorts {
  notifications: NotificationRepository;
  contacts: ContactBook;
  sender: NotificationSender;
  clock: Clock;
}

/**
 * `sent` / `failed`: the channel accepted / refused it; `recorded`: kept without sending (no known e-mail);
 * `duplicate`: this event was handled before, nothing happened.
 */
export type NotifyOutcome = 'sent' | 'failed' | 'recorded' | 'duplicate';

/** Sends the message; a refusal of the channel is an outcome, not an error. */
async function deliver(
  sender: NotificationSender,
  message: OutgoingMessage,
): Promise<{ status: 'sent' } | { status: 'failed'; failureReason: string }> {
  try {
    await sender.send(message);
    return { status: 'sent' };
  } catch (error) {
    return { status: 'failed', failureReason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Records and sends the one notification a fact deserves.
 *
 * Events arrive at least once; customers must get a message at most once. The notification's id is derived
 * from the event's id and the record is written only if absent, BEFORE anything is sent: that write is the
 * claim, and a redelivery (or a concurrent duplicate) that loses it does nothing. Only then is the message
 * sent and the record marked `sent` (or `failed`, with the channel's reason).
 *
 * The trade-off is at-most-once sending on top of at-least-once delivery. If the function dies between
 * the claim and the send, the redelivery finds the claim and sends nothing: that message is lost, not
 * duplicated, and its record stays `recorded` with a real channel, where operators can find it and re-send.
 * A send that throws (refused, or timed out with its fate unknown) is recorded as `failed` and not retried,
 * and a record whose `sent` mark could not be stored stays `recorded` although the message went out.
 * Retrying automatically would need the channel to drop duplicates by our notification id, which a plain
 * e-mail send does not do.
 */
export async function notifyCustomer(
  source: SourceEvent,
  ports: NotifyPorts,
): Promise<{ outcome: NotifyOutcome; notification: Notification }> {
  const { fact } = source;
  const contact = await ports.contacts.get(fact.customerId);
  const now = ports.clock.now().toISOString();
  const email = contact?.email;
  const notification: Notification = {
    notificationId: notificationIdOf(source.eventId),
    customerId: fact.customerId,
    kind: fact.kind,
    orderId: fact.orderId,
    ...messageFor(fact, contact?.name),
    channel: email ? ports.sender.channel : NO_CHANNEL,
    ...(email ? { recipient: email } : {}),
    status: 'recorded',
    sourceEventId: source.eventId,
    correlationId: source.correlationId,
    createdAt: now,
    updatedAt: now,
  };

  if (!(await ports.notifications.record(notification))) return { outcome: 'duplicate', notification };
  if (!email) return { outcome: 'recorded', notification };

  const outcome = await deliver(ports.sender, {
    notificationId: notification.notificationId,
    to: email,
    subject: notification.subject,
    body: notification.body,
    correlationId: notification.correlationId,
  });
  const updatedAt = ports.clock.now().toISOString();
  await ports.notifications.settle(notification.notificationId, { ...outcome, at: updatedAt });
  return { outcome: outcome.status, notification: { ...notification, ...outcome, updatedAt } };
}

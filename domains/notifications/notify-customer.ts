import type { Clock } from '../../shared/clock.js';
import { messageFor } from './messages.js';
import {
  DeliveryDeferred,
  DeliveryRefused,
  NO_CHANNEL,
  type Notification,
  NotificationNotSentYet,
  notificationIdOf,
  type SourceEvent,
} from './model.js';
import type { ContactBook, NotificationRepository, NotificationSender } from './ports.js';

export interface NotifyPorts {
  notifications: NotificationRepository;
  contacts: ContactBook;
  sender: NotificationSender;
  clock: Clock;
}

/**
 * `sent` / `failed`: the provider accepted / refused it; `recorded`: kept without sending (no known e-mail);
 * `duplicate`: this event was handled before, nothing happened.
 */
export type NotifyOutcome = 'sent' | 'failed' | 'recorded' | 'duplicate';

/** The reason of an error no adapter classified: its name only, as its text may quote the recipient. */
function unexpectedReason(error: unknown): string {
  return `unexpected ${error instanceof Error ? error.name : typeof error}`;
}

/**
 * Sends a claimed notification and stores the provider's answer: `sent` with its message id, or `failed`
 * with its reason. When the provider did not take it (deferred, or an error nobody classified) the claim
 * is released and `NotificationNotSentYet` thrown, so the event is delivered again and sends it then.
 */
async function deliver(
  notification: Notification & { recipient: string },
  ports: NotifyPorts,
): Promise<{ outcome: 'sent' | 'failed'; notification: Notification }> {
  const { notificationId } = notification;
  let outcome: { status: 'sent'; providerMessageId?: string } | { status: 'failed'; failureReason: string };
  try {
    const receipt = await ports.sender.send({
      notificationId,
      to: notification.recipient,
      subject: notification.subject,
      body: notification.body,
      correlationId: notification.correlationId,
    });
    outcome = { status: 'sent', ...receipt };
  } catch (error) {
    if (!(error instanceof DeliveryRefused)) {
      await ports.notifications.releaseForRetry(notificationId, ports.clock.now().toISOString());
      const reason = error instanceof DeliveryDeferred ? error.reason : unexpectedReason(error);
      throw new NotificationNotSentYet(notificationId, reason);
    }
    outcome = { status: 'failed', failureReason: error.reason };
  }
  const updatedAt = ports.clock.now().toISOString();
  await ports.notifications.settle(notificationId, { ...outcome, at: updatedAt });
  return { outcome: outcome.status, notification: { ...notification, ...outcome, updatedAt } };
}

/**
 * Records and sends the one notification a fact deserves.
 *
 * Events arrive at least once; customers must get a message at most once. The notification's id is derived
 * from the event's id and the record is written only if absent, BEFORE anything is sent: that write is the
 * claim, and a redelivery (or a concurrent duplicate) that loses it does nothing. Only then is the message
 * sent and the record marked `sent` with the provider's message id, or `failed` with its reason when the
 * provider refused it for good (`DeliveryRefused`).
 *
 * When the provider did not take the message but may later (`DeliveryDeferred`: throttled, unavailable,
 * no answer), the claim is released and `NotificationNotSentYet` thrown: Lambda delivers the event again
 * (then its on-failure destination keeps it for `npm run redrive`), and the first redelivery that claims
 * the released record sends the message as it was recorded.
 *
 * The trade-off is at-most-once sending on top of at-least-once delivery. If the function dies between
 * the claim and the send, the redelivery finds the claim and sends nothing: that message is lost, not
 * duplicated, and its record stays `recorded` with a real channel, where operators can find it and re-send.
 * A record whose `sent` mark could not be stored stays `recorded` although the message went out. Retrying
 * these automatically would need the provider to drop duplicates by our notification id, which SES does not.
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

  if (!(await ports.notifications.record(notification))) {
    const released = await ports.notifications.claimForRetry(notification.notificationId, now);
    if (!released?.recipient) return { outcome: 'duplicate', notification: released ?? notification };
    return deliver({ ...released, recipient: released.recipient }, ports);
  }
  if (!email) return { outcome: 'recorded', notification };
  return deliver({ ...notification, recipient: email }, ports);
}

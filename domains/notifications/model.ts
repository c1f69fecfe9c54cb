import type { Money } from '../../events/money.js';
import type { CancellationReason } from '../../events/orders/index.js';

export type NotificationKind = 'order-confirmed' | 'order-cancelled' | 'payment-declined';

/**
 * `recorded`: stored, not (yet) sent; `sent`: the provider accepted it (for e-mail: SES took it for
 * delivery, which is not yet its arrival in the inbox); `failed`: the provider refused it for good.
 */
export type NotificationStatus = 'recorded' | 'sent' | 'failed';

/** The channel of a notification that has nowhere to go: the customer's e-mail is not known. */
export const NO_CHANNEL = 'none';

/** What would be e-mailed or pushed to a customer, and what became of it. */
export interface Notification {
  /** Derived from the source event's id: one notification per event, whatever the deliveries. */
  notificationId: string;
  customerId: string;
  kind: NotificationKind;
  orderId: string;
  subject: string;
  body: string;
  /** The sender's channel (`ses`; `log` on records made before e-mail), or `none` when the e-mail is unknown. */
  channel: string;
  /** The e-mail address it went to, when one was known. */
  recipient?: string;
  status: NotificationStatus;
  /** Why the provider refused it (status `failed`): the provider's error code, never the address. */
  failureReason?: string;
  /** The provider's id of the accepted message (SES `MessageId`), to follow a delivery or a bounce. */
  providerMessageId?: string;
  sourceEventId: string;
  correlationId: string;
  createdAt: string;
  updatedAt: string;
}

/** The facts of other domains a customer is told about (a subset of each event's data). */
export type NotificationFact =
  | {
      kind: 'order-confirmed';
      orderId: string;
      customerId: string;
      total: Money;
      items: ReadonlyArray<{ quantity: number }>;
    }
  | {
      kind: 'order-cancelled';
      orderId: string;
      customerId: string;
      total: Money;
      reason: CancellationReason;
      wasConfirmed: boolean;
    }
  | { kind: 'payment-declined'; orderId: string; customerId: string; amount: Money; declineReason: string };

/** A fact as it arrived: the event's id makes the notification unique, its correlation id is carried on. */
export interface SourceEvent {
  eventId: string;
  correlationId: string;
  fact: NotificationFact;
}

/** The customer's contact details, as the customers domain last reported them (a local projection). */
export interface Contact {
  customerId: string;
  name?: string;
  email?: string;
  /** The profile's version: an older report never replaces a newer one. */
  profileVersion: number;
  updatedAt: string;
}

/** The same event always yields the same notification id, so a redelivery finds it already recorded. */
export function notificationIdOf(sourceEventId: string): string {
  return `ntf-${sourceEventId}`;
}

/**
 * The provider refused this message for good (an invalid or unverified address, a sender identity that
 * is not verified, an account whose sending is paused): sending it again would meet the same answer.
 * `reason` names the provider's error and never holds the recipient or the message.
 */
export class DeliveryRefused extends Error {
  override readonly name = 'DeliveryRefused';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * The provider did not take the message now but may later (throttled, over its sending rate, unavailable,
 * or no answer at all). `reason` never holds the recipient or the message.
 */
export class DeliveryDeferred extends Error {
  override readonly name = 'DeliveryDeferred';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Thrown by the use case so that the event is delivered again: the notification was not sent yet and a
 * redelivery of its event may send it (once). Its text holds ids and the reason, nothing personal, since
 * the platform logs it.
 */
export class NotificationNotSentYet extends Error {
  override readonly name = 'NotificationNotSentYet';
  constructor(
    readonly notificationId: string,
    readonly reason: string,
  ) {
    super(`Notification ${notificationId} was not sent yet (${reason}); its event will be delivered again`);
  }
}

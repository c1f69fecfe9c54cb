import type { Money } from '../../events/money.js';
import type { CancellationReason } from '../../events/orders/index.js';

export type NotificationKind = 'order-confirmed' | 'order-cancelled' | 'payment-declined';

/** `recorded`: stored, not (yet) sent; `sent`: the channel accepted it; `failed`: the channel refused it. */
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
  /** The sender's channel (`log`, `ses`), or `none` when the customer's e-mail is not known. */
  channel: string;
  /** The e-mail address it went to, when one was known. */
  recipient?: string;
  status: NotificationStatus;
  /** Why the channel refused it (status `failed`). */
  failureReason?: string;
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

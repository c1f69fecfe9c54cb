import type { Contact, Notification, NotificationStatus } from './model.js';

/** Opens the contact details customers sealed, only to keep them in the contact book (decisions.md). */
export type { CustomerContactOpener } from '../../shared/crypto/customer-contact.js';

export interface NotificationPage {
  items: Notification[];
  nextCursor: string | null;
}

export interface NotificationRepository {
  /** Stores a new notification; false (and nothing stored) when one with its id exists already. */
  record(notification: Notification): Promise<boolean>;
  /** Stores what became of a recorded notification. */
  settle(
    notificationId: string,
    outcome: {
      status: Exclude<NotificationStatus, 'recorded'>;
      at: string;
      failureReason?: string;
      providerMessageId?: string;
    },
  ): Promise<void>;
  /**
   * Lets a redelivery of the event send a `recorded` notification again: the provider did not take it
   * (`DeliveryDeferred`), so sending it once more cannot make a duplicate.
   */
  releaseForRetry(notificationId: string, at: string): Promise<void>;
  /**
   * Takes a released notification back for one more send, as a new record takes a new one; undefined when
   * it is not released (being sent, sent, failed), so concurrent redeliveries send it at most once.
   */
  claimForRetry(notificationId: string, at: string): Promise<Notification | undefined>;
  /** A customer's notifications, newest first. */
  listByCustomer(customerId: string, page: { limit: number; cursor?: string }): Promise<NotificationPage>;
}

/** The notifications domain's projection of the customers' contact details. */
export interface ContactBook {
  get(customerId: string): Promise<Contact | undefined>;
  /** Stores the contact unless the same or a newer profile version is stored. */
  apply(contact: Contact): Promise<'applied' | 'stale'>;
}

export interface OutgoingMessage {
  notificationId: string;
  to: string;
  subject: string;
  body: string;
  correlationId: string;
}

/** What the provider answered when it accepted a message. */
export interface SendReceipt {
  /** The provider's id of the message (SES `MessageId`). */
  providerMessageId?: string;
}

/** Where notifications go out (SES; the local mail capture offline). */
export interface NotificationSender {
  /** Recorded on every notification it sends. */
  readonly channel: string;
  /**
   * Resolves once the provider accepted the message. Throws `DeliveryRefused` when it refused this
   * message for good and `DeliveryDeferred` when a later attempt may pass; neither error holds the
   * recipient or the message, because errors end up in logs.
   */
  send(message: OutgoingMessage): Promise<SendReceipt>;
}

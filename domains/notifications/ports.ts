import type { Contact, Notification, NotificationStatus } from './model.js';

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
    outcome: { status: Exclude<NotificationStatus, 'recorded'>; at: string; failureReason?: string },
  ): Promise<void>;
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

/** Where notifications go out (the log locally, e-mail in AWS); chosen by configuration. */
export interface NotificationSender {
  /** Recorded on every notification it sends. */
  readonly channel: string;
  /** Resolves once the channel accepted the message; throws if it refused it. */
  send(message: OutgoingMessage): Promise<void>;
}

export interface Clock {
  now(): Date;
}

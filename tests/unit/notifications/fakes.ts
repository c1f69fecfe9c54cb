import type { Contact, Notification } from '../../../domains/notifications/model.js';
import type {
  ContactBook,
  NotificationPage,
  NotificationRepository,
  NotificationSender,
  OutgoingMessage,
  SendReceipt,
} from '../../../domains/notifications/ports.js';

export { FixedClock } from '../catalog/fakes.js';

/** An in-memory NotificationRepository with the DynamoDB one's promise: an id is recorded once. */
export class InMemoryNotificationRepository implements NotificationRepository {
  readonly notifications = new Map<string, Notification>();
  readonly released = new Set<string>();

  async record(notification: Notification): Promise<boolean> {
    // yields first, so concurrent deliveries of one event really race for the id
    await Promise.resolve();
    if (this.notifications.has(notification.notificationId)) return false;
    this.notifications.set(notification.notificationId, structuredClone(notification));
    return true;
  }

  async settle(
    notificationId: string,
    outcome: { status: 'sent' | 'failed'; at: string; failureReason?: string; providerMessageId?: string },
  ): Promise<void> {
    const stored = this.notifications.get(notificationId);
    if (!stored) throw new Error(`No notification ${notificationId}`);
    const { at, ...change } = outcome;
    this.notifications.set(notificationId, { ...stored, ...change, updatedAt: at });
  }

  async releaseForRetry(notificationId: string, at: string): Promise<void> {
    const stored = this.notifications.get(notificationId);
    if (stored?.status !== 'recorded') throw new Error(`No recorded notification ${notificationId}`);
    this.released.add(notificationId);
    this.notifications.set(notificationId, { ...stored, updatedAt: at });
  }

  async claimForRetry(notificationId: string, at: string): Promise<Notification | undefined> {
    await Promise.resolve();
    const stored = this.notifications.get(notificationId);
    if (stored?.status !== 'recorded' || !this.released.delete(notificationId)) return undefined;
    const claimed = { ...stored, updatedAt: at };
    this.notifications.set(notificationId, claimed);
    return structuredClone(claimed);
  }

  async listByCustomer(
    customerId: string,
    page: { limit: number; cursor?: string },
  ): Promise<NotificationPage> {
    const mine = [...this.notifications.values()]
      .filter((notification) => notification.customerId === customerId)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const start = page.cursor ? Number(page.cursor) : 0;
    const more = start + page.limit < mine.length;
    return {
      items: structuredClone(mine.slice(start, start + page.limit)),
      nextCursor: more ? String(start + page.limit) : null,
    };
  }

  all(): Notification[] {
    return [...this.notifications.values()];
  }
}

/** An in-memory ContactBook: a newer profile version replaces an older one, nothing else does. */
export class InMemoryContactBook implements ContactBook {
  readonly contacts = new Map<string, Contact>();

  constructor(initial: Contact[] = []) {
    for (const contact of initial) this.contacts.set(contact.customerId, { ...contact });
  }

  async get(customerId: string): Promise<Contact | undefined> {
    const contact = this.contacts.get(customerId);
    return contact && { ...contact };
  }

  async apply(contact: Contact): Promise<'applied' | 'stale'> {
    const stored = this.contacts.get(contact.customerId);
    if (stored && stored.profileVersion >= contact.profileVersion) return 'stale';
    this.contacts.set(contact.customerId, { ...contact });
    return 'applied';
  }
}

/** Records what it was asked to send and answers with a message id; throws `refuse` while it is set. */
export class RecordingSender implements NotificationSender {
  readonly channel = 'test';
  readonly sent: OutgoingMessage[] = [];
  refuse: Error | undefined;

  async send(message: OutgoingMessage): Promise<SendReceipt> {
    if (this.refuse) throw this.refuse;
    this.sent.push({ ...message });
    return { providerMessageId: `msg-${this.sent.length}` };
  }
}

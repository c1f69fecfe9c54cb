import { describe, expect, it } from 'vitest';
import { listNotifications } from '../../../domains/notifications/list-notifications.js';
import {
  type Contact,
  DeliveryDeferred,
  DeliveryRefused,
  type NotificationFact,
  NotificationNotSentYet,
  type SourceEvent,
} from '../../../domains/notifications/model.js';
import { notifyCustomer } from '../../../domains/notifications/notify-customer.js';
import { projectContact, projectSealedContact } from '../../../domains/notifications/project-contact.js';
import { FakeCustomerContactCipher } from '../shared/customer-contact-fakes.js';
import { FixedClock, InMemoryContactBook, InMemoryNotificationRepository, RecordingSender } from './fakes.js';

const T0 = new Date('2026-11-22T10:00:00.000Z');
const ALICE: Contact = {
  customerId: 'alice',
  name: 'Alice',
  email: 'alice@example.com',
  profileVersion: 2,
  updatedAt: '2026-11-22T09:00:00.000Z',
};
const confirmed: NotificationFact = {
  kind: 'order-confirmed',
  orderId: 'ord-1',
  customerId: 'alice',
  total: { amount: 11300, currency: 'EUR' },
  items: [{ quantity: 3 }],
};
const source = (fact: NotificationFact = confirmed, eventId = 'evt-1'): SourceEvent => ({
  eventId,
  correlationId: 'req-4e2b',
  fact,
});

function world(contacts: Contact[] = [ALICE]) {
  return {
    notifications: new InMemoryNotificationRepository(),
    contacts: new InMemoryContactBook(contacts),
    sender: new RecordingSender(),
    clock: new FixedClock(T0),
  };
}

describe('notifyCustomer', () => {
  it('records the notification, sends it through the channel and marks it sent', async () => {
    // given alice's e-mail is known
    const ports = world();

    // when her order is confirmed
    const { outcome, notification } = await notifyCustomer(source(), ports);

    // then one message went to her address, with the correlation id
    expect(outcome).toBe('sent');
    expect(ports.sender.sent).toEqual([
      {
        notificationId: 'ntf-evt-1',
        to: 'alice@example.com',
        subject: 'Your order ord-1 is confirmed',
        body: expect.stringContaining('Hello Alice,'),
        correlationId: 'req-4e2b',
      },
    ]);
    // and the record says what was sent, where and why
    const stored = ports.notifications.all();
    expect(stored).toEqual([
      {
        notificationId: 'ntf-evt-1',
        customerId: 'alice',
        kind: 'order-confirmed',
        orderId: 'ord-1',
        subject: 'Your order ord-1 is confirmed',
        body: expect.stringContaining('3 items, €113.00 in total'),
        channel: 'test',
        recipient: 'alice@example.com',
        status: 'sent',
        providerMessageId: 'msg-1',
        sourceEventId: 'evt-1',
        correlationId: 'req-4e2b',
        createdAt: T0.toISOString(),
        updatedAt: T0.toISOString(),
      },
    ]);
    expect(notification).toEqual(stored[0]);
  });

  it('records one notification and sends one message per event, however often it is delivered', async () => {
    // given alice's e-mail is known
    const ports = world();

    // when the same event arrives three times, two of them concurrently
    const outcomes = [
      ...(await Promise.all([notifyCustomer(source(), ports), notifyCustomer(source(), ports)])),
      await notifyCustomer(source(), ports),
    ].map((result) => result.outcome);

    // then it was sent once, and the duplicates did nothing
    expect(outcomes.sort()).toEqual(['duplicate', 'duplicate', 'sent']);
    expect(ports.sender.sent).toHaveLength(1);
    expect(ports.notifications.all()).toHaveLength(1);
    expect(ports.notifications.all()[0]?.status).toBe('sent');
  });

  it('gives different events their own notifications', async () => {
    const ports = world();

    await notifyCustomer(source(confirmed, 'evt-1'), ports);
    await notifyCustomer(
      source({ ...confirmed, kind: 'order-cancelled', reason: 'TIMEOUT', wasConfirmed: true }, 'evt-2'),
      ports,
    );

    expect(ports.notifications.all().map((n) => [n.notificationId, n.kind])).toEqual([
      ['ntf-evt-1', 'order-confirmed'],
      ['ntf-evt-2', 'order-cancelled'],
    ]);
    expect(ports.sender.sent).toHaveLength(2);
  });

  it("records without sending, on channel none, when the customer's e-mail is unknown", async () => {
    // given nothing is known about bob
    const ports = world([]);

    // when his payment is declined
    const { outcome } = await notifyCustomer(
      source({
        kind: 'payment-declined',
        orderId: 'ord-9',
        customerId: 'bob',
        amount: { amount: 500, currency: 'EUR' },
        declineReason: 'card_declined',
      }),
      ports,
    );

    // then the notification is kept as recorded, with no recipient, and nothing was sent
    expect(outcome).toBe('recorded');
    expect(ports.sender.sent).toEqual([]);
    const [stored] = ports.notifications.all();
    expect(stored).toMatchObject({
      customerId: 'bob',
      kind: 'payment-declined',
      channel: 'none',
      status: 'recorded',
    });
    expect(stored?.recipient).toBeUndefined();
    expect(stored?.body).toMatch(/^Hello,\n/);
  });

  it('treats a contact without an e-mail like an unknown one', async () => {
    const ports = world([{ ...ALICE, email: undefined }]);

    const { outcome, notification } = await notifyCustomer(source(), ports);

    expect(outcome).toBe('recorded');
    expect(notification).toMatchObject({ channel: 'none', body: expect.stringContaining('Hello Alice,') });
    expect(ports.sender.sent).toEqual([]);
  });

  it("marks the notification failed with the provider's reason, and a redelivery does not send it again", async () => {
    // given the provider refuses the message for good
    const ports = world();
    ports.sender.refuse = new DeliveryRefused('MessageRejected: SES rejected the message');

    // when the event arrives, then again once the provider would take it
    const first = await notifyCustomer(source(), ports);
    ports.sender.refuse = undefined;
    const again = await notifyCustomer(source(), ports);

    // then the failure is recorded, not thrown, and the claim stops the second attempt
    expect(first.outcome).toBe('failed');
    expect(ports.notifications.all()).toEqual([
      expect.objectContaining({
        status: 'failed',
        failureReason: 'MessageRejected: SES rejected the message',
        channel: 'test',
      }),
    ]);
    expect(again.outcome).toBe('duplicate');
    expect(ports.sender.sent).toEqual([]);
  });

  it('throws when the provider defers the message, and the next delivery of the event sends it once', async () => {
    // given the provider is throttling
    const ports = world();
    ports.sender.refuse = new DeliveryDeferred('SES did not take the message: TooManyRequestsException');

    // when the event arrives, then is delivered again twice at once after the provider recovered
    const first = notifyCustomer(source(), ports);
    await expect(first).rejects.toThrow(NotificationNotSentYet);
    await expect(first).rejects.toThrow(/ntf-evt-1.*TooManyRequestsException/);
    expect(ports.notifications.all()[0]?.status).toBe('recorded');
    ports.sender.refuse = undefined;
    const redeliveries = await Promise.all([
      notifyCustomer(source(), ports),
      notifyCustomer(source(), ports),
    ]);

    // then exactly one redelivery sent it, to the recorded address, and the record says sent
    expect(redeliveries.map((result) => result.outcome).sort()).toEqual(['duplicate', 'sent']);
    expect(ports.sender.sent.map((message) => message.to)).toEqual(['alice@example.com']);
    expect(ports.notifications.all()).toEqual([
      expect.objectContaining({ status: 'sent', providerMessageId: 'msg-1' }),
    ]);
    // and a later copy of the event sends nothing more
    expect((await notifyCustomer(source(), ports)).outcome).toBe('duplicate');
  });

  it('treats an error no adapter classified as deferred, naming only its type', async () => {
    const ports = world();
    ports.sender.refuse = new TypeError('cannot send to alice@example.com');

    const failure = await notifyCustomer(source(), ports).catch((error: Error) => error);

    expect(failure).toBeInstanceOf(NotificationNotSentYet);
    expect((failure as Error).message).toContain('unexpected TypeError');
    expect((failure as Error).message).not.toContain('alice');
  });
});

describe('projectContact', () => {
  it('keeps the newest profile version, whatever order the reports arrive in', async () => {
    const ports = { contacts: new InMemoryContactBook() };
    const v2 = { ...ALICE, profileVersion: 2, email: 'alice@example.com' };
    const v3 = { ...ALICE, profileVersion: 3, email: 'alice@new.example.com' };

    expect(await projectContact(v3, ports)).toBe('applied');
    expect(await projectContact(v2, ports)).toBe('stale');
    expect(await projectContact(v3, ports)).toBe('stale');

    expect((await ports.contacts.get('alice'))?.email).toBe('alice@new.example.com');
  });

  it('keeps only the contact fields of the event', async () => {
    const ports = { contacts: new InMemoryContactBook() };
    const report = { ...ALICE, loyaltyTier: 'gold' } as Contact;

    await projectContact(report, ports);

    expect(await ports.contacts.get('alice')).toEqual(ALICE);
  });

  it('lets the next notification use the projected e-mail', async () => {
    const ports = world([]);

    await projectContact(ALICE, ports);
    const { outcome } = await notifyCustomer(source(), ports);

    expect(outcome).toBe('sent');
    expect(ports.sender.sent[0]?.to).toBe('alice@example.com');
  });
});

describe('projectSealedContact', () => {
  const cipher = new FakeCustomerContactCipher();
  const sealedFor = (customerId: string, profileVersion: number, email: string) => ({
    customerId: 'alice',
    sealedContact: cipher.sealNow({ name: 'Alice', email }, { customerId }),
    profileVersion,
    updatedAt: '2026-11-22T09:00:00.000Z',
  });

  it('opens the details sealed for the customer and keeps the newest version, as a clear report', async () => {
    const ports = { contacts: new InMemoryContactBook(), opener: cipher };

    expect(await projectSealedContact(sealedFor('alice', 3, 'alice@new.example.com'), ports)).toBe('applied');
    expect(await projectSealedContact(sealedFor('alice', 2, 'alice@example.com'), ports)).toBe('stale');

    expect(await ports.contacts.get('alice')).toEqual({
      customerId: 'alice',
      name: 'Alice',
      email: 'alice@new.example.com',
      profileVersion: 3,
      updatedAt: '2026-11-22T09:00:00.000Z',
    });
  });

  it('leaves the stored contact as it is when the details can never be opened (sealed for someone else)', async () => {
    const ports = { contacts: new InMemoryContactBook([ALICE]), opener: cipher };

    const outcome = await projectSealedContact(sealedFor('mallory', 9, 'mallory@example.com'), ports);

    expect(outcome).toBe('unreadable');
    expect(await ports.contacts.get('alice')).toEqual(ALICE);
  });

  it('lets a transient failure of the opener through, for the event to be delivered again', async () => {
    const ports = {
      contacts: new InMemoryContactBook([ALICE]),
      opener: {
        open: () =>
          Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
      },
    };

    await expect(projectSealedContact(sealedFor('alice', 3, 'a@example.com'), ports)).rejects.toThrow(
      'Rate exceeded',
    );
    expect(await ports.contacts.get('alice')).toEqual(ALICE);
  });
});

describe('listNotifications', () => {
  it("pages through one customer's notifications, newest first", async () => {
    const ports = world();
    for (const [index, eventId] of ['evt-1', 'evt-2', 'evt-3'].entries()) {
      ports.clock.set(new Date(T0.getTime() + index * 1000));
      await notifyCustomer(source(confirmed, eventId), ports);
    }
    await notifyCustomer(source({ ...confirmed, customerId: 'bob' }, 'evt-bob'), ports);

    const first = await listNotifications({ customerId: 'alice', limit: 2 }, ports);
    const second = await listNotifications(
      { customerId: 'alice', limit: 2, cursor: first.nextCursor ?? undefined },
      ports,
    );

    expect(first.items.map((n) => n.sourceEventId)).toEqual(['evt-3', 'evt-2']);
    expect(second.items.map((n) => n.sourceEventId)).toEqual(['evt-1']);
    expect(second.nextCursor).toBeNull();
  });
});

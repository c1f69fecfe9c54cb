import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stageOf } from '../../scripts/local-cloud/stages.mjs';
import { call, uniqueId } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { openShop, type Shop } from '../support/saga.js';
import { stack, TEST_STAGE } from '../support/stack.js';
import { logLinesMentioning, stackLogs } from '../support/stack-logs.js';

/** The local SES of the test stack (scripts/local-cloud/ses.mjs): what the functions "sent". */
const mailCapture = `http://127.0.0.1:${stageOf(TEST_STAGE).sesPort}`;
/** What EventBridge's archive would keep: the local bus appends every event it takes (one JSON a line). */
const ARCHIVE = join(import.meta.dirname, '..', '..', '.local', TEST_STAGE, 'bus-archive.jsonl');

interface CapturedMail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  sentAt: string;
  text: string;
}

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: stack.dynamodb,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
);

async function mailTo(address: string): Promise<CapturedMail[]> {
  const response = await fetch(`${mailCapture}/_local/mail?${new URLSearchParams({ to: address })}`);
  return (await response.json()) as CapturedMail[];
}

async function setMailFault(mode: 'off' | 'throttle', to: string): Promise<void> {
  const response = await fetch(`${mailCapture}/_local/mail/fault`, {
    method: 'POST',
    body: JSON.stringify({ mode, to }),
  });
  expect(response.status).toBe(200);
}

let shop: Shop;
beforeAll(async () => {
  shop = await openShop();
});
afterAll(() => documents.destroy());

/** A customer with a unique name and e-mail, already known to notifications (its contact projection). */
async function customerWithContact() {
  const customer = await shop.customer();
  const email = `${uniqueId('mail')}@example.com`;
  const name = `Quill ${uniqueId('Name')}`;
  const updated = await call('PUT', '/me', { token: customer.token, body: { name, email } });
  expect(updated.status).toBe(200);
  // The profile reaches notifications as an event: wait for it, or the order's mail would have no address.
  await eventually(
    async () => {
      const { Item } = await documents.send(
        new GetCommand({
          TableName: `commerce-${TEST_STAGE}-notifications`,
          Key: { pk: `CUSTOMER#${customer.id}`, sk: 'CONTACT' },
        }),
      );
      return Item?.email === email;
    },
    { description: "the customer's contact to be projected into notifications" },
  );
  return { ...customer, email, name };
}

async function confirmedOrderOf(customer: { token: string }) {
  const product = await shop.product({ amount: 2500, stock: 5 });
  const { orderId } = await shop.placeOrder(customer.token, [{ productId: product, quantity: 2 }]);
  await shop.waitForStatus(customer.token, orderId, 'CONFIRMED');
  return orderId;
}

async function notificationsOf(customerId: string): Promise<any[]> {
  const { status, body } = await call('GET', `/admin/notifications?customerId=${customerId}`, {
    token: shop.admin,
  });
  expect(status).toBe(200);
  return body.items;
}

describe('notifications are e-mailed through SES (local capture)', () => {
  it('sends exactly one mail for a confirmed order, marks it sent with its message id, and logs no PII', async () => {
    // given a customer whose name and e-mail are known
    const customer = await customerWithContact();

    // when their order is confirmed
    const orderId = await confirmedOrderOf(customer);

    // then SES took exactly one message to their address, addressed by name
    const [mail, ...others] = await eventually(
      async () => {
        const received = await mailTo(customer.email);
        return received.length > 0 ? received : undefined;
      },
      { description: 'the confirmation mail to be captured' },
    );
    expect(others).toEqual([]);
    expect(mail).toMatchObject({
      from: 'orders@local.shop.example.com',
      to: [customer.email],
      subject: `Your order ${orderId} is confirmed`,
    });
    expect(mail?.text).toContain(`Hello ${customer.name},`);
    expect(mail?.text).toContain('2 items, €50.00 in total');

    // and the message is a real RFC 5322 file
    const eml = await (await fetch(`${mailCapture}/_local/mail/${mail?.id}.eml`)).text();
    expect(eml).toContain(`\r\nTo: ${customer.email}\r\n`);
    expect(eml).toContain(`\r\nMessage-ID: <${mail?.id}@email.amazonses.com>\r\n`);

    // and the notification is sent, with the id SES gave the message
    const notification = await eventually(
      async () =>
        (await notificationsOf(customer.id)).find(
          (item) => item.kind === 'order-confirmed' && item.status === 'sent',
        ),
      { description: 'the notification to be marked sent' },
    );
    expect(notification).toMatchObject({
      orderId,
      channel: 'ses',
      recipient: customer.email,
      providerMessageId: mail?.id,
    });

    // and nothing the stack printed holds the customer's e-mail or name
    expect(logLinesMentioning(customer.email)).toEqual([]);
    expect(logLinesMentioning(customer.name)).toEqual([]);
  });

  it('keeps a throttled notification unsent, then sends it once when Lambda retries the event', async () => {
    // given a customer, and SES throttling every message to them
    const customer = await customerWithContact();
    await setMailFault('throttle', customer.email);

    try {
      // when their order is confirmed
      const orderId = await confirmedOrderOf(customer);

      // then the notification is recorded but not sent, and the invocation failed without naming anyone
      const recorded = await eventually(
        async () => (await notificationsOf(customer.id)).find((item) => item.orderId === orderId),
        { description: 'the notification to be recorded' },
      );
      await eventually(
        async () => stackLogs().includes(`Notification ${recorded.notificationId} was not sent yet`),
        { description: 'the throttled send to fail the invocation' },
      );
      expect(await mailTo(customer.email)).toEqual([]);
      expect((await notificationsOf(customer.id))[0]).toMatchObject({ status: 'recorded' });

      // when SES takes messages again
      await setMailFault('off', customer.email);

      // then Lambda's retry sends it: one message, and the notification is sent
      const sent = await eventually(
        async () =>
          (await notificationsOf(customer.id)).find(
            (item) => item.orderId === orderId && item.status === 'sent',
          ),
        { description: 'the retried notification to be sent', timeoutMs: 45_000, intervalMs: 500 },
      );
      const mails = await mailTo(customer.email);
      expect(mails).toHaveLength(1);
      expect(sent.providerMessageId).toBe(mails[0]?.id);
    } finally {
      await setMailFault('off', customer.email);
    }

    expect(logLinesMentioning(customer.email)).toEqual([]);
    expect(logLinesMentioning(customer.name)).toEqual([]);
  }, 90_000);
});

describe("a customer's name and e-mail travel sealed (issue 10)", () => {
  it('reach the mail, and nowhere else in clear: not the event store, the archive or the logs', async () => {
    // given a customer who set a name and an e-mail no one else has (the projection opened them: the wait
    // in customerWithContact is for the e-mail to land in the contacts)
    const customer = await customerWithContact();

    // when their order is confirmed
    const product = await shop.product({ amount: 1800, stock: 3 });
    const { orderId, correlationId } = await shop.placeOrder(customer.token, [
      { productId: product, quantity: 1 },
    ]);
    await shop.waitForStatus(customer.token, orderId, 'CONFIRMED');

    // then SES took the confirmation to that very address, addressed by that very name
    const [mail] = await eventually(
      async () => {
        const received = await mailTo(customer.email);
        return received.some((sent) => sent.subject.includes(orderId)) ? received : undefined;
      },
      { description: 'the confirmation mail to be captured' },
    );
    expect(mail?.to).toEqual([customer.email]);
    expect(mail?.text).toContain(`Hello ${customer.name},`);

    // and the event store has the profile change only as CustomerProfileUpdated v2, with the sealed contact
    const profileEvents = await eventually(
      async () => {
        const { body } = await call('GET', `/admin/events?aggregateId=${customer.id}`, { token: shop.admin });
        const updates = (body.items ?? []).filter(
          (event: any) => event['detail-type'] === 'CustomerProfileUpdated',
        );
        return updates.length > 0 ? updates : undefined;
      },
      { description: "the customer's profile change in the event store" },
    );
    expect(profileEvents.map((event: any) => event.detail.metadata.eventVersion)).toEqual([2]);
    const [{ detail: updated }] = profileEvents;
    expect(Object.keys(updated.data).sort()).toEqual([
      'customerId',
      'profileVersion',
      'sealedContact',
      'updatedAt',
    ]);
    const sealed: string = updated.data.sealedContact;
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain(customer.email);

    // and neither it nor the order's saga holds the e-mail or the name
    const saga = await eventually(
      async () => {
        const { body } = await call('GET', `/admin/events?correlationId=${correlationId}`, {
          token: shop.admin,
        });
        const types = body.items?.map((event: any) => event['detail-type']) ?? [];
        return types.includes('OrderConfirmed') ? body.items : undefined;
      },
      { description: 'the saga, up to OrderConfirmed, in the event store' },
    );
    const stored = JSON.stringify([...profileEvents, ...saga]);
    expect(stored).not.toContain(customer.email);
    expect(stored).not.toContain(customer.name);

    // and the archive kept the profile change sealed, and the e-mail and the name nowhere
    const archive = readFileSync(ARCHIVE, 'utf8');
    expect(archive).toContain(updated.metadata.eventId);
    expect(archive).toContain(sealed);
    expect(archive).not.toContain(customer.email);
    expect(archive).not.toContain(customer.name);

    // and nothing the stack printed holds them
    expect(logLinesMentioning(customer.email)).toEqual([]);
    expect(logLinesMentioning(customer.name)).toEqual([]);
  });
});

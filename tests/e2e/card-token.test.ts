import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_KEY_PREFIX } from '../../shared/outbox/record.js';
import { call, uniqueId } from '../support/api.js';
import { eventually } from '../support/eventually.js';
import { openShop, registeredTestCard, type Shop, sandboxLedger } from '../support/saga.js';
import { stack, TEST_STAGE } from '../support/stack.js';
import { logLinesMentioning } from '../support/stack-logs.js';

/*
 * Issue 10: the card token a client sends with POST /orders reaches the payment provider and nothing
 * else. A full saga runs with a token no other test uses, then every place an event or a log line lands
 * is searched for it: the event store (GET /admin/events), the bus archive (the local bus writes what
 * EventBridge's archive would keep to .local/test/bus-archive.jsonl), the stack's logs, and the items of
 * the orders and payments tables.
 */
const ARCHIVE = join(import.meta.dirname, '..', '..', '.local', TEST_STAGE, 'bus-archive.jsonl');

const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: stack.dynamodb,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }),
);
const item = async (table: string, key: { pk: string; sk: string }) =>
  (await documents.send(new GetCommand({ TableName: `commerce-${TEST_STAGE}-${table}`, Key: key }))).Item;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let shop: Shop;
beforeAll(async () => {
  shop = await openShop();
});
afterAll(() => documents.destroy());

describe('the card token of an order', () => {
  it('pays the order and is found nowhere else: not in the event store, the archive, the logs or a table', async () => {
    // given a test card of its own, registered with the sandbox and used by no other test
    const token = await registeredTestCard(uniqueId('card'));
    const product = await shop.product({ amount: 2500, stock: 2 });
    const buyer = await shop.customer();

    // when the order is placed exactly as clients do (POST /orders with paymentToken) and confirmed
    const { orderId, correlationId } = await shop.placeOrder(
      buyer.token,
      [{ productId: product, quantity: 1 }],
      token,
    );
    await shop.waitForStatus(buyer.token, orderId, 'CONFIRMED');

    // then the provider authorized and captured the payment with that very token
    const ledger = await eventually(
      async () => {
        const entries = await sandboxLedger(orderId);
        return entries.captures?.length === 1 ? entries : undefined;
      },
      { description: 'the capture in the sandbox ledger' },
    );
    expect(ledger.authorizations).toMatchObject([{ orderId, tokenFingerprint: sha256(token) }]);

    // and the event store holds the saga, with OrderPlaced v2 carrying only the sealed token
    const stored = await eventually(
      async () => {
        const { body } = await call('GET', `/admin/events?correlationId=${correlationId}`, {
          token: shop.admin,
        });
        const types = body.items?.map((event: any) => event['detail-type']) ?? [];
        return types.includes('PaymentCaptured') ? body.items : undefined;
      },
      { description: 'the saga, up to PaymentCaptured, in the event store' },
    );
    const placed = stored.find((event: any) => event['detail-type'] === 'OrderPlaced');
    expect(placed.detail.metadata.eventVersion).toBe(2);
    expect(placed.detail.data.paymentToken).toBeUndefined();
    const sealed: string = placed.detail.data.sealedPaymentToken;
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain(token);
    expect(JSON.stringify(stored)).not.toContain(token);

    // and the archive has every one of those events, none with the token
    const archived = readFileSync(ARCHIVE, 'utf8')
      .split('\n')
      .filter((line) => line.includes(correlationId));
    const archivedIds = archived.map((line) => JSON.parse(line).detail.metadata.eventId);
    expect(archivedIds).toEqual(
      expect.arrayContaining(stored.map((event: any) => event.detail.metadata.eventId)),
    );
    expect(archived.join('\n')).toContain(sealed);
    expect(archived.join('\n')).not.toContain(token);

    // and payments no longer holds it, sealed or not, now that the payment is settled
    const payment = await eventually(
      async () => {
        const stored = await item('payments', { pk: `PAYMENT#${orderId}`, sk: 'PAYMENT' });
        return stored?.status === 'CAPTURED' ? stored : undefined;
      },
      { description: 'the captured payment' },
    );
    expect(payment.intent).toEqual({ customerId: buyer.id, amount: { amount: 2500, currency: 'EUR' } });
    expect(JSON.stringify(payment)).not.toContain(token);
    expect(JSON.stringify(payment)).not.toContain(sealed);

    // and orders stored the order and its outbox record with the sealed token only
    const outbox = await item('orders', {
      pk: `${OUTBOX_KEY_PREFIX}${placed.detail.metadata.eventId}`,
      sk: `${OUTBOX_KEY_PREFIX}${placed.detail.metadata.eventId}`,
    });
    expect(outbox?.envelope.data.sealedPaymentToken).toBe(sealed);
    expect(JSON.stringify(outbox)).not.toContain(token);
    expect(JSON.stringify(await item('orders', { pk: `ORDER#${orderId}`, sk: 'ORDER' }))).not.toContain(
      token,
    );

    // and no log line of any function mentions it
    expect(logLinesMentioning(token)).toEqual([]);
  });
});

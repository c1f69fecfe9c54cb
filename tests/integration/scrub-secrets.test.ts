import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED, scrubSecrets } from '../../scripts/scrub-secrets.mjs';
import { startTestDynamoDb, type TestDynamoDb } from '../support/dynamodb-local.js';

/**
 * `npm run scrub` against DynamoDB Local, on tables created from the domains' own resources.yml: what was
 * stored in clear before sealing is gone, what is still needed stays.
 */
const EVENT_STORE = 'commerce-itscrub-event-store-v2';
/** The first event store, keyed by event id, which keeps its copy of the history until migrated. */
const LEGACY_EVENT_STORE = 'commerce-itscrub-event-store';
const PAYMENTS = 'commerce-itscrub-payments';
let database: TestDynamoDb | undefined;
let dynamo: DynamoDBDocumentClient;

const stored = (eventId: string, eventType: string, eventVersion: number, data: Record<string, unknown>) => ({
  eventId,
  eventType,
  eventVersion,
  occurredAt: '2026-11-01T10:00:00.000Z',
  occurredAtEventId: `2026-11-01T10:00:00.000Z#${eventId}`,
  correlationId: `corr-${eventId}`,
  time: '2026-11-01T10:00:00Z',
  event: {
    id: eventId,
    'detail-type': eventType,
    source: 'commerce.test',
    time: '2026-11-01T10:00:00Z',
    detail: { metadata: { eventId, eventType, eventVersion }, data },
  },
});

const payment = (orderId: string, status: string, intent: Record<string, unknown>) => ({
  pk: `PAYMENT#${orderId}`,
  sk: 'PAYMENT',
  entityType: 'PAYMENT',
  orderId,
  status,
  version: 3,
  intent: { customerId: 'c-1', amount: { amount: 100, currency: 'EUR' }, ...intent },
});

const dataOf = async (eventId: string) =>
  (
    await dynamo.send(
      new GetCommand({
        TableName: EVENT_STORE,
        Key: { correlationId: `corr-${eventId}`, occurredAtEventId: `2026-11-01T10:00:00.000Z#${eventId}` },
      }),
    )
  ).Item?.event.detail.data;
const legacyDataOf = async (eventId: string) =>
  (await dynamo.send(new GetCommand({ TableName: LEGACY_EVENT_STORE, Key: { eventId } }))).Item?.event.detail
    .data;
const paymentOf = async (orderId: string) =>
  (
    await dynamo.send(
      new GetCommand({ TableName: PAYMENTS, Key: { pk: `PAYMENT#${orderId}`, sk: 'PAYMENT' } }),
    )
  ).Item;

beforeAll(async () => {
  database = await startTestDynamoDb();
  dynamo = database.dynamo;
  await database.createTableLike('eventstore', 'EventStoreTableV2', EVENT_STORE);
  await database.createTableLike('eventstore', 'EventStoreTable', LEGACY_EVENT_STORE);
  await database.createTableLike('payments', 'PaymentsTable', PAYMENTS);
  const events = [
    stored('placed-v1', 'OrderPlaced', 1, { orderId: 'o-1', paymentToken: 'tok_old_clear' }),
    stored('placed-v2', 'OrderPlaced', 2, { orderId: 'o-2', sealedPaymentToken: 'c2VhbGVk' }),
    stored('profile-v1', 'CustomerProfileUpdated', 1, {
      customerId: 'c-1',
      name: 'Ada Clear',
      email: 'ada@clear.example',
      profileVersion: 1,
    }),
    stored('confirmed', 'OrderConfirmed', 1, { orderId: 'o-1' }),
  ];
  const items = [
    ...events.flatMap((event) => [
      [EVENT_STORE, event],
      [LEGACY_EVENT_STORE, event],
    ]),
    [PAYMENTS, payment('o-settled', 'CAPTURED', { paymentToken: 'tok_old_clear' })],
    [PAYMENTS, payment('o-open', 'AWAITING_PROVIDER', { sealedPaymentToken: 'c2VhbGVk' })],
  ] as Array<[string, Record<string, unknown>]>;
  for (const [TableName, Item] of items) await dynamo.send(new PutCommand({ TableName, Item }));
}, 120_000);

afterAll(async () => {
  await database?.stop();
});

describe('npm run scrub', () => {
  const options = (apply: boolean) => ({
    eventStoreTable: EVENT_STORE,
    legacyEventStoreTable: LEGACY_EVENT_STORE,
    paymentsTable: PAYMENTS,
    apply,
  });

  it('only counts without --apply', async () => {
    const summary = await scrubSecrets({ dynamo }, options(false));

    // each event store holds its copy of the two events
    expect(summary).toEqual({ eventStoreTokens: 2, eventStoreContacts: 2, paymentTokens: 1, conflicts: 0 });
    expect(await dataOf('placed-v1')).toMatchObject({ paymentToken: 'tok_old_clear' });
  });

  it('removes clear tokens and contact details, keeps what is still needed, and is safe to run again', async () => {
    expect(await scrubSecrets({ dynamo }, options(true))).toEqual({
      eventStoreTokens: 2,
      eventStoreContacts: 2,
      paymentTokens: 1,
      conflicts: 0,
    });

    expect(await dataOf('placed-v1')).toEqual({ orderId: 'o-1', paymentToken: REDACTED });
    expect(await dataOf('profile-v1')).toEqual({ customerId: 'c-1', profileVersion: 1 });
    expect(await dataOf('placed-v2')).toMatchObject({ sealedPaymentToken: 'c2VhbGVk' });
    expect(await legacyDataOf('placed-v1')).toEqual({ orderId: 'o-1', paymentToken: REDACTED });
    expect(await legacyDataOf('profile-v1')).toEqual({ customerId: 'c-1', profileVersion: 1 });
    const settled = await paymentOf('o-settled');
    expect(settled?.intent).toEqual({ customerId: 'c-1', amount: { amount: 100, currency: 'EUR' } });
    expect(settled?.version).toBe(4);
    // an authorization still owed needs its token
    expect((await paymentOf('o-open'))?.intent.sealedPaymentToken).toBe('c2VhbGVk');

    expect(await scrubSecrets({ dynamo }, options(true))).toEqual({
      eventStoreTokens: 0,
      eventStoreContacts: 0,
      paymentTokens: 0,
      conflicts: 0,
    });
  });
});

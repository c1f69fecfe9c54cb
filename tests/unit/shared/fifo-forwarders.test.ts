import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.PAYMENTS_EVENTS_QUEUE_URL =
    'https://sqs.us-east-1.amazonaws.com/000000000000/payments-events.fifo';
});

import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { StockReservedV1 } from '../../../events/inventory/index.js';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlacedV1 } from '../../../events/orders/index.js';
import { handler as paymentsForwarder } from '../../../functions/payments/forward-saga-events.js';
import { busEvent } from './bus-events.js';
import { fakeContext } from './lambda-fakes.js';

/*
 * Payments' FIFO queue keeps one order's events in order and lets different orders run in parallel:
 * that holds only if every message is grouped by its order id. One group for everything would
 * serialize the shop; a group per event would lose the order; a dedup id other than the event id would
 * let a redelivered event through twice.
 */
const sqs = mockClient(SQSClient);
const AT = '2026-11-22T10:00:00.000Z';
const money = { amount: 1500, currency: 'EUR' };
const items = [{ productId: 'espresso-cup', quantity: 1, unitPrice: money }];

/** One event of each type the forwarder's rules deliver to it, about the given order. */
const sagaEvents = {
  payments: (orderId: string) => [
    busEvent(OrderPlacedV1, {
      orderId,
      customerId: 'alice',
      items,
      total: money,
      paymentToken: 'tok_visa',
      placedAt: AT,
    }),
    busEvent(StockReservedV1, {
      orderId,
      items: [{ productId: 'espresso-cup', quantity: 1 }],
      reservedAt: AT,
    }),
    busEvent(OrderConfirmedV1, { orderId, customerId: 'alice', items, total: money, confirmedAt: AT }),
    busEvent(OrderCancelledV1, {
      orderId,
      customerId: 'alice',
      items,
      total: money,
      reason: 'CANCELLED_BY_CUSTOMER',
      wasConfirmed: false,
      cancelledAt: AT,
    }),
  ],
};

const forwarders = [
  {
    name: 'paymentsForwardEvents',
    handler: paymentsForwarder,
    events: sagaEvents.payments,
    queueUrl: process.env.PAYMENTS_EVENTS_QUEUE_URL,
  },
];

const sent = () => sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

describe.each(forwarders)('$name', ({ name, handler, events, queueUrl }) => {
  const forward = (event: unknown) => handler(event, fakeContext(`commerce-test-${name}`));

  it('groups every event type by the order id and deduplicates it by its event id', async () => {
    const forwarded = events('ord-a');
    for (const event of forwarded) await forward(event);

    expect(sent()).toEqual(
      forwarded.map((event) =>
        expect.objectContaining({
          QueueUrl: queueUrl,
          MessageGroupId: 'ord-a',
          MessageDeduplicationId: event.detail.metadata.eventId,
        }),
      ),
    );
    // the whole bus event travels, so the consumer validates it against its contract
    expect(sent().map((message) => JSON.parse(String(message.MessageBody)))).toEqual(forwarded);
  });

  it('puts two orders in two groups, and one order’s events in one', async () => {
    const [first, second] = events('ord-a');
    const [other] = events('ord-b');
    await forward(first);
    await forward(other);
    await forward(second);

    const groups = sent().map((message) => message.MessageGroupId);
    expect(groups).toEqual(['ord-a', 'ord-b', 'ord-a']);
    // a redelivered event keeps its dedup id; distinct events never share one
    const dedupIds = sent().map((message) => message.MessageDeduplicationId);
    expect(new Set(dedupIds).size).toBe(3);
  });

  it('fails an event that names no order, sending nothing', async () => {
    const [event] = events('ord-a');
    const broken = { ...event, detail: { ...event?.detail, data: { reason: 'no order here' } } };

    await expect(forward(broken)).rejects.toThrow();
    expect(sent()).toEqual([]);
  });
});

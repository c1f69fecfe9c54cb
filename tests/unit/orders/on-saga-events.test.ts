import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writesSent } from '../shared/dynamodb-writes.js';

vi.hoisted(() => {
  process.env.ORDERS_TABLE_NAME = 'commerce-test-orders';
  process.env.EVENT_SOURCE = 'commerce.orders';
  process.env.IDEMPOTENCY_TABLE_NAME = 'commerce-test-idempotency';
});

import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { StockReservationFailedV1 } from '../../../events/inventory/index.js';
import {
  PaymentAuthorizedV1,
  PaymentDeclinedV1,
  PaymentUnavailableV1,
} from '../../../events/payments/index.js';
import { handler } from '../../../functions/orders/on-saga-events.js';
import { busEvent } from '../shared/bus-events.js';
import { transactionCancelled } from '../shared/dynamodb-errors.js';
import { fakeContext } from '../shared/lambda-fakes.js';
import { anOrder, eur } from './fakes.js';

/*
 * The orders' saga consumer through its handler (a rule invokes it with each fact): each saga fact must
 * reach its own transition. Swapping
 * two entries of the routing table would confirm a declined order (goods shipped unpaid) or cancel an
 * authorized one; the domain tests cannot see that, because they call the use case directly.
 */
const ddb = mockClient(DynamoDBDocumentClient);
const idempotencyTable = mockClient(DynamoDBClient);
const AT = '2026-11-22T10:00:00.000Z';

const stored = anOrder({ orderId: 'ord-1' });

const facts = {
  StockReservationFailed: () =>
    busEvent(StockReservationFailedV1, {
      orderId: 'ord-1',
      unavailable: [{ productId: 'espresso-cup', requested: 2, available: 1 }],
      failedAt: AT,
    }),
  PaymentAuthorized: () =>
    busEvent(PaymentAuthorizedV1, {
      orderId: 'ord-1',
      paymentId: 'pay-1',
      amount: stored.total,
      authorizedAt: AT,
    }),
  PaymentDeclined: () =>
    busEvent(PaymentDeclinedV1, {
      orderId: 'ord-1',
      customerId: 'alice',
      amount: stored.total,
      declineReason: 'card_declined',
      declinedAt: AT,
    }),
  PaymentUnavailable: () =>
    busEvent(PaymentUnavailableV1, { orderId: 'ord-1', detail: 'provider answered 503', at: AT }),
};

/** What the handler wrote in its one transaction: the order as saved and the events in its outbox. */
function written() {
  const requests = writesSent(ddb);
  expect(requests).toHaveLength(1);
  const [state, ...outbox] = requests[0] ?? [];
  return {
    order: state?.Put?.Item,
    events: outbox.map((item) => item.Put?.Item?.envelope),
  };
}

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({ Item: { pk: 'ORDER#ord-1', sk: 'ORDER', entityType: 'ORDER', ...stored } });
  ddb.on(TransactWriteCommand).resolves({});
  idempotencyTable.reset();
  idempotencyTable.on(PutItemCommand).resolves({});
  idempotencyTable.on(UpdateItemCommand).resolves({});
  idempotencyTable.on(DeleteItemCommand).resolves({});
});

async function deliver(event: ReturnType<(typeof facts)[keyof typeof facts]>) {
  await handler(event, fakeContext('commerce-test-ordersApplySagaEvent'));
}

/** The stored order as the table holds it after a change (what the next GetCommand answers). */
const storedAs = (order: object | undefined) => ({
  Item: { pk: 'ORDER#ord-1', sk: 'ORDER', entityType: 'ORDER', ...order },
});

describe('ordersApplySagaEvent routes each saga fact to its own transition', () => {
  it('PaymentAuthorized confirms the pending order and announces OrderConfirmed', async () => {
    await deliver(facts.PaymentAuthorized());

    const { order, events } = written();
    expect(order).toMatchObject({ orderId: 'ord-1', status: 'CONFIRMED', version: stored.version + 1 });
    expect(order).not.toHaveProperty('reason');
    expect(events).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ eventType: 'OrderConfirmed' }),
        data: expect.objectContaining({ orderId: 'ord-1', total: eur(2 * 1200 + 8900) }),
      }),
    ]);
  });

  it('PaymentDeclined cancels the pending order with PAYMENT_DECLINED, never confirms it', async () => {
    await deliver(facts.PaymentDeclined());

    const { order, events } = written();
    expect(order).toMatchObject({ status: 'CANCELLED', reason: 'PAYMENT_DECLINED' });
    expect(events).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ eventType: 'OrderCancelled' }),
        data: expect.objectContaining({ reason: 'PAYMENT_DECLINED', wasConfirmed: false }),
      }),
    ]);
  });

  it('StockReservationFailed cancels the pending order with OUT_OF_STOCK', async () => {
    await deliver(facts.StockReservationFailed());

    const { order, events } = written();
    expect(order).toMatchObject({ status: 'CANCELLED', reason: 'OUT_OF_STOCK' });
    expect(events).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ reason: 'OUT_OF_STOCK' }) }),
    ]);
  });

  it('PaymentUnavailable keeps the order pending, only noting that payment is waiting', async () => {
    await deliver(facts.PaymentUnavailable());

    const { order, events } = written();
    expect(order).toMatchObject({ status: 'PENDING', paymentUnavailable: true });
    expect(events).toEqual([]);
  });

  it('ignores a redelivered fact: the order has moved on, so nothing is written, and no idempotency record either', async () => {
    const authorized = facts.PaymentAuthorized();
    await deliver(authorized);
    const confirmed = written().order;
    ddb.reset();
    ddb.on(GetCommand).resolves({ Item: { pk: 'ORDER#ord-1', sk: 'ORDER', ...confirmed } });
    ddb.on(TransactWriteCommand).resolves({});

    await deliver(authorized);

    expect(writesSent(ddb)).toEqual([]);
    expect(idempotencyTable.calls()).toHaveLength(0);
  });

  it('needs no delivery order: a PaymentUnavailable that arrives after PaymentAuthorized leaves the confirmed order alone', async () => {
    await deliver(facts.PaymentAuthorized());
    const confirmed = written().order;
    ddb.reset();
    ddb.on(GetCommand).resolves(storedAs(confirmed));
    ddb.on(TransactWriteCommand).resolves({});

    await deliver(facts.PaymentUnavailable());

    expect(writesSent(ddb)).toEqual([]);
  });

  it('loses a race with another fact of the same order without harm: it reads the order again and is ignored', async () => {
    // given PaymentDeclined and PaymentAuthorized handled at the same time (no FIFO group serialises
    // them): this delivery reads the PENDING order, and the other confirms it before this one writes
    const confirmedMeanwhile = { ...stored, status: 'CONFIRMED', version: stored.version + 1 };
    ddb.on(GetCommand).resolvesOnce(storedAs(stored)).resolves(storedAs(confirmedMeanwhile));
    ddb.on(TransactWriteCommand).rejectsOnce(transactionCancelled('ConditionalCheckFailed', 'None'));

    // when PaymentDeclined is handled
    await deliver(facts.PaymentDeclined());

    // then its write lost on the version, it read the order again, and the confirmed order stays confirmed
    expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('reads and writes the order the fact names, with the fact as the cause of the event', async () => {
    const declined = facts.PaymentDeclined();
    await deliver(declined);

    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({ pk: 'ORDER#ord-1', sk: 'ORDER' });
    expect(written().events[0]?.metadata).toMatchObject({
      correlationId: declined.detail.metadata.correlationId,
      causationId: declined.detail.metadata.eventId,
    });
  });
});

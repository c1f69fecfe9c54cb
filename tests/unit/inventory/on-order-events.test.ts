import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.IDEMPOTENCY_TABLE_NAME = 'commerce-test-idempotency';
});

/*
 * The inventory's saga consumers through their handlers (the rule's for placements and cancellations, the
 * confirmations queue's for sales), against the in-memory repository: each order event must reach its own
 * use case. The use-case tests call the use cases directly, so they cannot see an
 * event routed to the wrong one, or to none (OrderConfirmed made a no-op would leave sold units on the
 * shelf, reserved forever).
 */
const composition = vi.hoisted(() => ({ ports: undefined as unknown }));
vi.mock('../../../functions/inventory/dependencies.js', () => ({ inventoryPorts: () => composition.ports }));

import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Reservation } from '../../../domains/inventory/model.js';
import {
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderPlacedV2,
} from '../../../events/orders/index.js';
import { handler as sellConfirmedOrders } from '../../../functions/inventory/on-confirmed-orders.js';
import { handler as onOrderEvents } from '../../../functions/inventory/on-order-events.js';
import { FixedClock } from '../catalog/fakes.js';
import { busEvent, queueBatch } from '../shared/bus-events.js';
import { fakeContext } from '../shared/lambda-fakes.js';
import { InMemoryInventoryRepository, RecordingBackoff, stockItem } from './fakes.js';

const idempotencyTable = mockClient(DynamoDBClient);
const AT = '2026-11-22T10:00:00.000Z';
const ORDER = 'ord-1';
const total = { amount: 3000, currency: 'EUR' };
const items = [{ productId: 'espresso-cup', quantity: 2, unitPrice: { amount: 1500, currency: 'EUR' } }];
const order = { orderId: ORDER, customerId: 'alice', items, total };

const events = {
  placed: () =>
    busEvent(OrderPlacedV2, {
      ...order,
      sealedPaymentToken: 'c2VhbGVkLWZvci1wYXltZW50cw==',
      placedAt: AT,
      orderVersion: 1,
    }),
  /** As published before v2; replays of stored or archived events still deliver it. */
  legacyPlaced: () => busEvent(OrderPlacedV1, { ...order, paymentToken: 'tok_visa', placedAt: AT }),
  confirmed: () => busEvent(OrderConfirmedV1, { ...order, confirmedAt: AT }),
  cancelled: () =>
    busEvent(OrderCancelledV1, {
      ...order,
      reason: 'PAYMENT_DECLINED',
      wasConfirmed: false,
      cancelledAt: AT,
    }),
};

let inventory: InMemoryInventoryRepository;

function reservedOrder(status: Reservation['status'] = 'ACTIVE') {
  inventory.stock.set('espresso-cup', stockItem('espresso-cup', 10, 2));
  inventory.reservations.set(ORDER, {
    orderId: ORDER,
    status,
    items: [{ productId: 'espresso-cup', quantity: 2 }],
    updatedAt: AT,
  });
}

const level = () => {
  const { onHand, reserved, available } = inventory.stock.get('espresso-cup') ?? stockItem('none', 0);
  return { onHand, reserved, available };
};

/** Delivers an event the way serverless.yml routes it: confirmations through the sale's queue, the rest by rule. */
async function deliver(event: ReturnType<(typeof events)[keyof typeof events]>) {
  if (event['detail-type'] !== 'OrderConfirmed') {
    await onOrderEvents(event, fakeContext('commerce-test-inventoryOnOrderEvents'));
    return;
  }
  const result = await sellConfirmedOrders(
    queueBatch(event),
    fakeContext('commerce-test-inventorySellConfirmedOrders'),
  );
  expect(result.batchItemFailures).toEqual([]);
}

beforeEach(() => {
  inventory = new InMemoryInventoryRepository();
  composition.ports = { inventory, clock: new FixedClock(new Date(AT)), backoff: new RecordingBackoff() };
  idempotencyTable.reset();
  idempotencyTable.on(PutItemCommand).resolves({});
  idempotencyTable.on(UpdateItemCommand).resolves({});
  idempotencyTable.on(DeleteItemCommand).resolves({});
});

describe('inventory routes each order event to its own use case', () => {
  it('OrderConfirmed of a reserved order sells the units: they leave the shelf', async () => {
    reservedOrder();

    await deliver(events.confirmed());

    expect(inventory.reservations.get(ORDER)?.status).toBe('SOLD');
    expect(level()).toEqual({ onHand: 8, reserved: 0, available: 8 });
  });

  it.each([
    ['v2', events.placed],
    ['v1, replayed', events.legacyPlaced],
  ])('OrderPlaced (%s) reserves the units', async (_version, placed) => {
    inventory.stock.set('espresso-cup', stockItem('espresso-cup', 10));

    await deliver(placed());

    expect(inventory.reservations.get(ORDER)?.status).toBe('ACTIVE');
    expect(level()).toEqual({ onHand: 10, reserved: 2, available: 8 });
    expect(inventory.published('StockReserved')).toHaveLength(1);
  });

  it('OrderCancelled releases the reserved units', async () => {
    reservedOrder();

    await deliver(events.cancelled());

    expect(inventory.reservations.get(ORDER)?.status).toBe('RELEASED');
    expect(level()).toEqual({ onHand: 10, reserved: 0, available: 10 });
  });

  it('the events carry the cause on: a release is caused by the OrderCancelled event', async () => {
    reservedOrder();
    const cancelled = events.cancelled();

    await deliver(cancelled);

    expect(inventory.outbox.map((event) => event.metadata)).toEqual([
      expect.objectContaining({
        eventType: 'StockReleased',
        correlationId: cancelled.detail.metadata.correlationId,
        causationId: cancelled.detail.metadata.eventId,
      }),
      expect.objectContaining({
        eventType: 'StockLevelChanged',
        eventVersion: 2,
        correlationId: cancelled.detail.metadata.correlationId,
        causationId: cancelled.detail.metadata.eventId,
      }),
    ]);
  });

  it('a sale publishes nothing: what customers can order did not change', async () => {
    reservedOrder();

    await deliver(events.confirmed());

    expect(inventory.outbox).toEqual([]);
  });

  it('a redelivered event changes nothing, without any idempotency record (the reservation decides)', async () => {
    inventory.stock.set('espresso-cup', stockItem('espresso-cup', 10));
    const saga = [events.placed(), events.confirmed(), events.cancelled()];
    const after: unknown[] = [];

    for (const event of saga) {
      await deliver(event);
      const once = { level: level(), reservation: inventory.reservations.get(ORDER)?.status };
      const published = inventory.outbox.length;
      await deliver(event);
      expect({ level: level(), reservation: inventory.reservations.get(ORDER)?.status }).toEqual(once);
      expect(inventory.outbox).toHaveLength(published);
      after.push(once);
    }

    // placed, confirmed, then a cancellation of an order not confirmed leaves the sale alone
    expect(after).toEqual([
      { level: { onHand: 10, reserved: 2, available: 8 }, reservation: 'ACTIVE' },
      { level: { onHand: 8, reserved: 0, available: 8 }, reservation: 'SOLD' },
      { level: { onHand: 8, reserved: 0, available: 8 }, reservation: 'SOLD' },
    ]);
    expect(inventory.published('StockReserved')).toHaveLength(1);
    expect(idempotencyTable.calls()).toHaveLength(0);
  });
});

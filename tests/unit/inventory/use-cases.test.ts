import { describe, expect, it } from 'vitest';
import { getStock } from '../../../domains/inventory/get-stock.js';
import {
  OnHandBelowReserved,
  type Reservation,
  type StockItem,
  StockItemNotFound,
} from '../../../domains/inventory/model.js';
import type { InventoryPorts } from '../../../domains/inventory/ports.js';
import { releaseStock } from '../../../domains/inventory/release-stock.js';
import { reserveStock } from '../../../domains/inventory/reserve-stock.js';
import { sellStock } from '../../../domains/inventory/sell-stock.js';
import { setStock } from '../../../domains/inventory/set-stock.js';
import { stockChangeId } from '../../../domains/inventory/stock-level-changed.js';
import { createEnvelope } from '../../../events/envelope.js';
import {
  StockLevelChangedV2,
  StockReleasedV1,
  StockReservationFailedV1,
  StockReservedV1,
} from '../../../events/inventory/index.js';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlacedV1 } from '../../../events/orders/index.js';
import { CONFLICT_ATTEMPTS } from '../../../shared/dynamodb/retry-on-conflict.js';
import { FixedClock } from '../catalog/fakes.js';
import { InMemoryInventoryRepository, RecordingBackoff, stockItem } from './fakes.js';

const T0 = new Date('2026-11-22T09:00:00.000Z');
const T1 = new Date('2026-11-22T10:00:00.000Z');
const EUR = (amount: number) => ({ amount, currency: 'EUR' });
const trace = { correlationId: 'req-stock', causationId: 'req-stock' };

function shop(initial: StockItem[] = []) {
  const inventory = new InMemoryInventoryRepository(initial);
  const backoff = new RecordingBackoff();
  const ports: InventoryPorts = { inventory, clock: new FixedClock(T1), backoff };
  const level = (productId: string) => {
    const item = inventory.stock.get(productId);
    return item && { onHand: item.onHand, reserved: item.reserved, available: item.available };
  };
  return { inventory, backoff, ports, level };
}

type Line = [productId: string, quantity: number];
const orderLines = (lines: Line[]) =>
  lines.map(([productId, quantity]) => ({ productId, quantity, unitPrice: EUR(1000) }));
const orderCause = { correlationId: 'req-order', causationId: 'req-order' };

function placed(orderId: string, lines: Line[]) {
  return createEnvelope(
    OrderPlacedV1,
    {
      orderId,
      customerId: 'alice',
      items: orderLines(lines),
      total: EUR(1000),
      paymentToken: 'tok_visa',
      placedAt: T0.toISOString(),
    },
    orderCause,
    { eventId: `evt-placed-${orderId}` },
  );
}

function confirmed(orderId: string, lines: Line[]) {
  return createEnvelope(
    OrderConfirmedV1,
    {
      orderId,
      customerId: 'alice',
      items: orderLines(lines),
      total: EUR(1000),
      confirmedAt: T1.toISOString(),
    },
    orderCause,
    { eventId: `evt-confirmed-${orderId}` },
  );
}

function cancelled(orderId: string, lines: Line[], wasConfirmed = false) {
  return createEnvelope(
    OrderCancelledV1,
    {
      orderId,
      customerId: 'alice',
      items: orderLines(lines),
      total: EUR(1000),
      reason: wasConfirmed ? 'CANCELLED_BY_CUSTOMER' : 'PAYMENT_DECLINED',
      wasConfirmed,
      cancelledAt: T1.toISOString(),
    },
    orderCause,
    { eventId: `evt-cancelled-${orderId}` },
  );
}

const reservation = (orderId: string, status: Reservation['status'], items: Line[]): Reservation => ({
  orderId,
  status,
  items: items.map(([productId, quantity]) => ({ productId, quantity })),
  updatedAt: T0.toISOString(),
});

describe('setStock / getStock', () => {
  it('creates the stock item on first use and records StockLevelChanged at version 1', async () => {
    // given no stock for the product
    const { inventory, ports } = shop();

    // when an admin sets 7 units on hand
    const item = await setStock('espresso-cup', 7, ports, trace);

    // then everything is available, and the change is published with the request's trace
    expect(item).toEqual({ ...stockItem('espresso-cup', 7), updatedAt: T1.toISOString() });
    expect(await getStock('espresso-cup', ports)).toEqual(item);
    expect(inventory.outbox).toHaveLength(1);
    const event = StockLevelChangedV2.envelopeSchema.parse(inventory.outbox[0]);
    expect(event.data).toEqual({
      productId: 'espresso-cup',
      available: 7,
      stockVersion: 1,
      changedAt: T1.toISOString(),
    });
    expect(event.metadata).toMatchObject({
      correlationId: 'req-stock',
      causationId: 'req-stock',
      occurredAt: T1.toISOString(),
      // the same change keeps the same id, however often its stream record is relayed
      eventId: stockChangeId('espresso-cup', 1),
    });
  });

  it('keeps reserved units reserved and bumps the version', async () => {
    // given 10 on hand, 3 of them reserved, at version 4
    const { ports, level } = shop([stockItem('espresso-cup', 10, 3, 4)]);

    // when the count is corrected to 5
    const item = await setStock('espresso-cup', 5, ports, trace);

    // then 2 remain available
    expect(level('espresso-cup')).toEqual({ onHand: 5, reserved: 3, available: 2 });
    expect(item.stockVersion).toBe(5);
  });

  it('refuses to set on-hand stock below what is reserved (409), changing nothing', async () => {
    // given 3 units reserved
    const { inventory, ports, level } = shop([stockItem('espresso-cup', 10, 3)]);

    // when an admin sets 2 on hand
    const attempt = setStock('espresso-cup', 2, ports, trace);

    // then a typed conflict names the figures, and nothing is stored or published
    await expect(attempt).rejects.toBeInstanceOf(OnHandBelowReserved);
    await expect(attempt).rejects.toMatchObject({
      status: 409,
      code: 'on-hand-below-reserved',
      details: { productId: 'espresso-cup', quantity: 2, reserved: 3 },
    });
    expect(level('espresso-cup')).toEqual({ onHand: 10, reserved: 3, available: 7 });
    expect(inventory.outbox).toHaveLength(0);
  });

  it('answers 404 for a product without stock', async () => {
    const { ports } = shop();
    await expect(getStock('nope', ports)).rejects.toBeInstanceOf(StockItemNotFound);
    await expect(getStock('nope', ports)).rejects.toMatchObject({ status: 404 });
  });

  it('applies the count atomically on top of a reservation that slipped in, without a retry', async () => {
    // given an order reserves 2 units just before the admin's count is written
    const { inventory, ports, level, backoff } = shop([stockItem('espresso-cup', 10)]);
    inventory.beforeSave = () => {
      inventory.beforeSave = undefined;
      inventory.stock.set('espresso-cup', stockItem('espresso-cup', 10, 2, 2));
    };

    // when the admin sets 6 on hand
    const item = await setStock('espresso-cup', 6, ports, trace);

    // then the reservation is kept, in one write
    expect(level('espresso-cup')).toEqual({ onHand: 6, reserved: 2, available: 4 });
    expect(item.stockVersion).toBe(3);
    expect(backoff.pauses).toEqual([]);
  });

  it('refuses a count below a reservation that slipped in just before it', async () => {
    const { inventory, ports, level } = shop([stockItem('espresso-cup', 10)]);
    inventory.beforeSave = () => {
      inventory.stock.set('espresso-cup', stockItem('espresso-cup', 10, 5, 2));
    };

    await expect(setStock('espresso-cup', 4, ports, trace)).rejects.toMatchObject({
      code: 'on-hand-below-reserved',
      details: { quantity: 4, reserved: 5 },
    });
    expect(level('espresso-cup')).toEqual({ onHand: 10, reserved: 5, available: 5 });
  });
});

describe('reserveStock (OrderPlaced)', () => {
  it('reserves every line in one unit of work, merging lines of the same product', async () => {
    // given two products in stock
    const { inventory, ports, level } = shop([stockItem('cup', 5), stockItem('grinder', 2)]);

    // when an order asks for 2 + 1 cups and 1 grinder
    const outcome = await reserveStock(
      placed('o-1', [
        ['cup', 2],
        ['grinder', 1],
        ['cup', 1],
      ]),
      ports,
    );

    // then all of it is reserved at once
    expect(outcome).toBe('reserved');
    expect(inventory.saves).toBe(1);
    expect(level('cup')).toEqual({ onHand: 5, reserved: 3, available: 2 });
    expect(level('grinder')).toEqual({ onHand: 2, reserved: 1, available: 1 });
    expect(inventory.reservations.get('o-1')).toEqual({
      ...reservation('o-1', 'ACTIVE', [
        ['cup', 3],
        ['grinder', 1],
      ]),
      updatedAt: T1.toISOString(),
    });
    // and StockReserved lists the merged lines, caused by the OrderPlaced event, with one level per product
    const reserved = StockReservedV1.envelopeSchema.parse(inventory.outbox[0]);
    expect(reserved.data).toEqual({
      orderId: 'o-1',
      items: [
        { productId: 'cup', quantity: 3 },
        { productId: 'grinder', quantity: 1 },
      ],
      reservedAt: T1.toISOString(),
    });
    expect(reserved.metadata).toMatchObject({ correlationId: 'req-order', causationId: 'evt-placed-o-1' });
    expect(inventory.published('StockLevelChanged')).toEqual([
      {
        productId: 'cup',
        available: 2,
        stockVersion: 2,
        changedAt: T1.toISOString(),
      },
      {
        productId: 'grinder',
        available: 1,
        stockVersion: 2,
        changedAt: T1.toISOString(),
      },
    ]);
  });

  it('reserves nothing when one line among several is short, and lists the short lines', async () => {
    // given enough cups and filters, but only 1 grinder
    const { inventory, ports, level } = shop([
      stockItem('cup', 5),
      stockItem('grinder', 1),
      stockItem('filter', 9),
    ]);

    // when an order asks for 2 cups, 2 grinders (one line more than there is) and 3 filters
    const outcome = await reserveStock(
      placed('o-2', [
        ['cup', 2],
        ['grinder', 1],
        ['filter', 3],
        ['grinder', 1],
      ]),
      ports,
    );

    // then no stock moved at all
    expect(outcome).toBe('failed');
    expect(level('cup')).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect(level('grinder')).toEqual({ onHand: 1, reserved: 0, available: 1 });
    expect(level('filter')).toEqual({ onHand: 9, reserved: 0, available: 9 });
    // and the decision is recorded with StockReservationFailed naming the merged short line only
    expect(inventory.reservations.get('o-2')?.status).toBe('FAILED');
    expect(inventory.outbox).toHaveLength(1);
    const failed = StockReservationFailedV1.envelopeSchema.parse(inventory.outbox[0]);
    expect(failed.data).toEqual({
      orderId: 'o-2',
      unavailable: [{ productId: 'grinder', requested: 2, available: 1 }],
      failedAt: T1.toISOString(),
    });
    expect(failed.metadata.causationId).toBe('evt-placed-o-2');
  });

  it('treats a product without stock as short, with nothing available', async () => {
    const { inventory, ports, level } = shop([stockItem('cup', 5)]);

    const outcome = await reserveStock(
      placed('o-3', [
        ['cup', 1],
        ['ghost', 1],
      ]),
      ports,
    );

    expect(outcome).toBe('failed');
    expect(level('cup')?.available).toBe(5);
    expect(inventory.published('StockReservationFailed')[0].unavailable).toEqual([
      { productId: 'ghost', requested: 1, available: 0 },
    ]);
  });

  it('does nothing for a duplicate OrderPlaced', async () => {
    // given the order was reserved already
    const { inventory, ports, level } = shop([stockItem('cup', 5)]);
    await reserveStock(placed('o-4', [['cup', 2]]), ports);
    const published = inventory.outbox.length;

    // when the same order is placed again (a redelivery that escaped idempotency)
    const outcome = await reserveStock(placed('o-4', [['cup', 2]]), ports);

    // then nothing changes and nothing is published
    expect(outcome).toBe('decided-before');
    expect(level('cup')).toEqual({ onHand: 5, reserved: 2, available: 3 });
    expect(inventory.outbox).toHaveLength(published);
  });

  it('reserves nothing for an order whose cancellation arrived first (tombstone)', async () => {
    // given the cancellation was handled before the placement
    const { inventory, ports, level } = shop([stockItem('cup', 5)]);
    expect(await releaseStock(cancelled('o-5', [['cup', 2]]), ports)).toBe('tombstoned');

    // when the late OrderPlaced arrives
    const outcome = await reserveStock(placed('o-5', [['cup', 2]]), ports);

    // then nothing is reserved or published
    expect(outcome).toBe('decided-before');
    expect(level('cup')?.available).toBe(5);
    expect(inventory.reservations.get('o-5')?.status).toBe('CANCELLED');
    expect(inventory.outbox).toHaveLength(0);
  });

  it('reserves on top of a concurrent change of the same stock, without a retry', async () => {
    // given another order reserves 3 of 10 cups just before this order's write
    const { inventory, ports, level, backoff } = shop([stockItem('cup', 10)]);
    inventory.beforeSave = () => {
      inventory.beforeSave = undefined;
      inventory.stock.set('cup', stockItem('cup', 10, 3, 2));
    };

    // when this order asks for 2 cups
    const outcome = await reserveStock(placed('o-6', [['cup', 2]]), ports);

    // then both reservations hold: the movement applied to the stock as it was, not as it was read
    expect(outcome).toBe('reserved');
    expect(level('cup')).toEqual({ onHand: 10, reserved: 5, available: 5 });
    expect(inventory.published('StockLevelChanged').at(-1)).toMatchObject({ stockVersion: 3, available: 5 });
    expect(backoff.pauses).toEqual([]);
  });

  it('fails instead of overselling when a concurrent order took the last units first', async () => {
    // given 2 cups, and another order reserving both just before this order's write
    const { inventory, ports, level, backoff } = shop([stockItem('cup', 2)]);
    inventory.beforeSave = () => {
      inventory.beforeSave = undefined;
      inventory.stock.set('cup', stockItem('cup', 2, 2, 2));
    };

    // when this order asks for 1 cup
    const outcome = await reserveStock(placed('o-7', [['cup', 1]]), ports);

    // then the refused write is followed by a read naming the short line, and the order fails
    expect(outcome).toBe('failed');
    expect(backoff.pauses).toEqual([]);
    expect(level('cup')).toEqual({ onHand: 2, reserved: 2, available: 0 });
    expect(inventory.published('StockReservationFailed')[0].unavailable).toEqual([
      { productId: 'cup', requested: 1, available: 0 },
    ]);
  });

  it('decides again when the units came back between the refusal and the read', async () => {
    // given the last cup is reserved by another order at the write, and released before the read
    const { inventory, ports, level, backoff } = shop([stockItem('cup', 1)]);
    inventory.beforeSave = () => {
      inventory.beforeSave = undefined;
      inventory.stock.set('cup', stockItem('cup', 1, 1, 2));
    };
    inventory.beforeRead = () => {
      inventory.beforeRead = undefined;
      inventory.stock.set('cup', stockItem('cup', 1, 0, 3));
    };

    // when this order asks for the cup
    const outcome = await reserveStock(placed('o-8', [['cup', 1]]), ports);

    // then it is reserved on the second attempt, not refused with nothing short
    expect(outcome).toBe('reserved');
    expect(backoff.pauses).toEqual([2]);
    expect(level('cup')).toEqual({ onHand: 1, reserved: 1, available: 0 });
  });

  it(`gives up after ${CONFLICT_ATTEMPTS} attempts and throws, so the delivery is retried`, async () => {
    // given the stock is taken at every write and back at every read
    const { inventory, ports, backoff } = shop([stockItem('cup', 1)]);
    inventory.beforeSave = () => inventory.stock.set('cup', stockItem('cup', 1, 1, 2));
    inventory.beforeRead = () => inventory.stock.set('cup', stockItem('cup', 1, 0, 3));

    // when an order is placed
    const attempt = reserveStock(placed('o-9', [['cup', 1]]), ports);

    // then it fails with the conflict after the last attempt, having decided nothing
    await expect(attempt).rejects.toMatchObject({ code: 'inventory-changed-concurrently' });
    expect(backoff.pauses).toEqual([2, 3, 4, 5].slice(0, CONFLICT_ATTEMPTS - 1));
    expect(inventory.reservations.has('o-9')).toBe(false);
  });

  it('serves exactly 5 of 20 concurrent orders for a product with 5 units', async () => {
    // given 5 units
    const { inventory, ports, level, backoff } = shop([stockItem('cup', 5)]);

    // when 20 orders of one unit race
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, index) => reserveStock(placed(`race-${index}`, [['cup', 1]]), ports)),
    );

    // then 5 are reserved, 15 failed, and nothing is oversold
    expect(outcomes.filter((outcome) => outcome === 'reserved')).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome === 'failed')).toHaveLength(15);
    expect(level('cup')).toEqual({ onHand: 5, reserved: 5, available: 0 });
    expect(inventory.published('StockReserved')).toHaveLength(5);
    // and each order was decided by its first write: no retry loop on the hot item
    expect(backoff.pauses).toEqual([]);
    // and every change of the stock is published once, in version order
    expect(inventory.published('StockLevelChanged').map((level) => level.stockVersion)).toEqual([
      2, 3, 4, 5, 6,
    ]);
  });
});

describe('sellStock (OrderConfirmed)', () => {
  it('turns the reservation into a sale: units leave the shelf, availability stays', async () => {
    // given an active reservation of 2 cups and 1 grinder
    const { inventory, ports, level } = shop([stockItem('cup', 5, 2), stockItem('grinder', 3, 1)]);
    inventory.reservations.set(
      'o-10',
      reservation('o-10', 'ACTIVE', [
        ['cup', 2],
        ['grinder', 1],
      ]),
    );

    // when the order is confirmed
    const outcome = await sellStock(confirmed('o-10', [['cup', 2]]), ports);

    // then stock on hand and reserved drop, available does not
    expect(outcome).toBe('sold');
    expect(level('cup')).toEqual({ onHand: 3, reserved: 0, available: 3 });
    expect(level('grinder')).toEqual({ onHand: 2, reserved: 0, available: 2 });
    expect(inventory.reservations.get('o-10')?.status).toBe('SOLD');
    // and nothing is published: what customers can order did not change (StockLevelChanged v2)
    expect(inventory.outbox).toEqual([]);
    expect(inventory.stock.get('cup')?.stockVersion).toBe(2);
  });

  it.each([
    ['a duplicate confirmation', 'SOLD'],
    ['a confirmation after the release', 'RELEASED'],
    ['a failed reservation', 'FAILED'],
    ['no reservation at all', undefined],
  ] as const)('does nothing for %s', async (_case, status) => {
    const { inventory, ports, level } = shop([stockItem('cup', 5, 2)]);
    if (status) inventory.reservations.set('o-11', reservation('o-11', status, [['cup', 2]]));

    expect(await sellStock(confirmed('o-11', [['cup', 2]]), ports)).toBe('nothing-to-do');

    expect(level('cup')).toEqual({ onHand: 5, reserved: 2, available: 3 });
    expect(inventory.outbox).toHaveLength(0);
    expect(inventory.reservations.get('o-11')?.status).toBe(status);
  });
});

describe('releaseStock (OrderCancelled)', () => {
  it('releases an active reservation and publishes StockReleased with the levels', async () => {
    // given an active reservation of 2 cups
    const { inventory, ports, level } = shop([stockItem('cup', 5, 2)]);
    inventory.reservations.set('o-20', reservation('o-20', 'ACTIVE', [['cup', 2]]));

    // when the order is cancelled before confirmation
    const outcome = await releaseStock(cancelled('o-20', [['cup', 2]]), ports);

    // then the cups are orderable again
    expect(outcome).toBe('released');
    expect(level('cup')).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect(inventory.reservations.get('o-20')?.status).toBe('RELEASED');
    const released = StockReleasedV1.envelopeSchema.parse(inventory.outbox[0]);
    expect(released.data).toEqual({
      orderId: 'o-20',
      items: [{ productId: 'cup', quantity: 2 }],
      releasedAt: T1.toISOString(),
    });
    expect(released.metadata.causationId).toBe('evt-cancelled-o-20');
    expect(inventory.published('StockLevelChanged')).toMatchObject([{ productId: 'cup', available: 5 }]);
  });

  it('returns the items of a sold reservation when a confirmed order is cancelled', async () => {
    // given a sale of 2 cups (3 left on hand)
    const { inventory, ports, level } = shop([stockItem('cup', 3)]);
    inventory.reservations.set('o-21', reservation('o-21', 'SOLD', [['cup', 2]]));

    // when the confirmed order is cancelled
    const outcome = await releaseStock(cancelled('o-21', [['cup', 2]], true), ports);

    // then the cups are back on hand and orderable
    expect(outcome).toBe('returned');
    expect(level('cup')).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect(inventory.reservations.get('o-21')?.status).toBe('RETURNED');
    expect(inventory.outbox.map((event) => event.metadata.eventType)).toEqual([
      'StockReleased',
      'StockLevelChanged',
    ]);
  });

  it('releases a confirmed order whose cancellation overtook the confirmation; the late confirmation is a no-op', async () => {
    // given the reservation is still ACTIVE although the order was confirmed
    const { inventory, ports, level } = shop([stockItem('cup', 5, 2)]);
    inventory.reservations.set('o-22', reservation('o-22', 'ACTIVE', [['cup', 2]]));

    // when the cancellation (wasConfirmed) arrives, then the confirmation
    expect(await releaseStock(cancelled('o-22', [['cup', 2]], true), ports)).toBe('released');
    expect(await sellStock(confirmed('o-22', [['cup', 2]]), ports)).toBe('nothing-to-do');

    // then the stock is as if sold and returned
    expect(level('cup')).toEqual({ onHand: 5, reserved: 0, available: 5 });
  });

  it('writes a tombstone when no reservation exists yet, publishing nothing', async () => {
    const { inventory, ports } = shop([stockItem('cup', 5)]);

    expect(await releaseStock(cancelled('o-23', [['cup', 2]]), ports)).toBe('tombstoned');

    expect(inventory.reservations.get('o-23')).toEqual({
      orderId: 'o-23',
      status: 'CANCELLED',
      items: [],
      updatedAt: T1.toISOString(),
    });
    expect(inventory.outbox).toHaveLength(0);
  });

  it.each([
    ['a duplicate cancellation', 'RELEASED', false],
    ['a duplicate cancellation of a confirmed order', 'RETURNED', true],
    ['a failed reservation', 'FAILED', false],
    ['a second tombstone', 'CANCELLED', false],
    ['a sale the cancellation does not claim was confirmed', 'SOLD', false],
  ] as const)('does nothing for %s', async (_case, status, wasConfirmed) => {
    const { inventory, ports, level } = shop([stockItem('cup', 5, 1)]);
    inventory.reservations.set('o-24', reservation('o-24', status, [['cup', 2]]));

    expect(await releaseStock(cancelled('o-24', [['cup', 2]], wasConfirmed), ports)).toBe('nothing-to-do');

    expect(level('cup')).toEqual({ onHand: 5, reserved: 1, available: 4 });
    expect(inventory.outbox).toHaveLength(0);
  });

  it('decides again when the confirmation wins the race for the reservation', async () => {
    // given the reservation is sold between the cancellation's read and write
    const { inventory, ports, level } = shop([stockItem('cup', 5, 2)]);
    inventory.reservations.set('o-25', reservation('o-25', 'ACTIVE', [['cup', 2]]));
    inventory.beforeSave = () => {
      inventory.beforeSave = undefined;
      inventory.reservations.set('o-25', reservation('o-25', 'SOLD', [['cup', 2]]));
      inventory.stock.set('cup', stockItem('cup', 3, 0, 2));
    };

    // when the confirmed order's cancellation is handled
    const outcome = await releaseStock(cancelled('o-25', [['cup', 2]], true), ports);

    // then it returns the sold units instead of releasing a reservation that no longer exists
    expect(outcome).toBe('returned');
    expect(level('cup')).toEqual({ onHand: 5, reserved: 0, available: 5 });
  });
});

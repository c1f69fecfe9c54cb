import { describe, expect, it } from 'vitest';
import { evolve, OrderHistoryConflict, type ProjectedOrder } from '../../../domains/views/model.js';
import { orderChangeOf, projectOrderChange } from '../../../domains/views/project-order.js';
import type { EventEnvelope } from '../../../events/envelope.js';
import {
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderPlacedV2,
} from '../../../events/orders/index.js';
import { anEntry, InMemoryOrderHistory, LINES, orderEvents, permutations, T, TOTAL } from './fakes.js';

/** What the projector's handler does with each event (functions/views/on-order-events.ts). */
function changeOf(event: EventEnvelope) {
  switch (event.metadata.eventType) {
    case 'OrderPlaced':
      return orderChangeOf.placed(
        (event.metadata.eventVersion === 2 ? OrderPlacedV2 : OrderPlacedV1).envelopeSchema.parse(event).data,
      );
    case 'OrderConfirmed':
      return orderChangeOf.confirmed(OrderConfirmedV1.envelopeSchema.parse(event).data);
    case 'OrderCancelled':
      return orderChangeOf.cancelled(OrderCancelledV1.envelopeSchema.parse(event).data);
    default:
      throw new Error(`not an order event: ${event.metadata.eventType}`);
  }
}

async function deliver(events: readonly EventEnvelope[], history = new InMemoryOrderHistory()) {
  const outcomes = [];
  for (const event of events) outcomes.push(await projectOrderChange(changeOf(event), { history }));
  return { history, outcomes, entry: await history.get('ord-1') };
}

/** The entry without its write counter: what must not depend on the delivery order. */
const state = (entry: ProjectedOrder | undefined) => {
  const { revision: _revision, ...rest } = entry as ProjectedOrder;
  return rest;
};

const cancelledView = {
  orderId: 'ord-1',
  customerId: 'alice',
  status: 'CANCELLED',
  items: LINES,
  total: TOTAL,
  reason: 'CANCELLED_BY_CUSTOMER',
  createdAt: T.placed,
  updatedAt: T.cancelled,
  placed: true,
};

describe('projectOrderChange', () => {
  it('follows an order through its life in order of occurrence', async () => {
    const { placed, confirmed, cancelled } = orderEvents();
    const history = new InMemoryOrderHistory();

    // when the order is placed
    expect((await deliver([placed], history)).entry).toEqual(anEntry());
    // then confirmed
    expect((await deliver([confirmed], history)).entry).toMatchObject({
      status: 'CONFIRMED',
      createdAt: T.placed,
      updatedAt: T.confirmed,
      orderVersion: 2,
      revision: 2,
    });
    // then cancelled by its customer
    const { entry, outcomes } = await deliver([cancelled], history);
    expect(entry).toEqual({ ...cancelledView, orderVersion: 3, revision: 3 });
    expect(outcomes).toEqual(['updated']);
  });

  it('ignores duplicates without writing', async () => {
    const { placed, confirmed } = orderEvents();

    const { history, outcomes, entry } = await deliver([placed, placed, confirmed, confirmed, placed]);

    expect(outcomes).toEqual(['created', 'unchanged', 'updated', 'unchanged', 'unchanged']);
    expect(history.saves).toBe(2);
    expect(entry).toMatchObject({ status: 'CONFIRMED', orderVersion: 2, revision: 2 });
  });

  describe.each([
    ['with orderVersion', true],
    ['without orderVersion (events published before it was added: status rank)', false],
  ])('%s', (_name, versions) => {
    const { placed, confirmed, cancelled } = orderEvents({ versions });
    const expected = { ...cancelledView, ...(versions ? { orderVersion: 3 } : {}) };

    it.each(
      permutations([placed, confirmed, cancelled]).map((order) => [order.map(typeOf).join(' → '), order]),
    )('every delivery order gives the same view: %s', async (_order, events) => {
      expect(state((await deliver(events)).entry)).toEqual(expected);
    });

    it('every delivery order with every event delivered twice gives the same view', async () => {
      const orders = permutations([placed, confirmed, cancelled, placed, confirmed, cancelled]);
      expect(orders).toHaveLength(720);
      for (const events of orders) expect(state((await deliver(events)).entry)).toEqual(expected);
    });
  });

  it('gives the same view whatever the order when only some events carry orderVersion', async () => {
    const modern = orderEvents();
    const legacy = orderEvents({ versions: false });
    const mixes = [
      [modern.placed, legacy.confirmed, modern.cancelled],
      [legacy.placed, modern.confirmed, legacy.cancelled],
      [legacy.placed, legacy.confirmed, modern.cancelled],
    ];
    for (const mix of mixes) {
      const views = await Promise.all(
        permutations(mix).map(async (events) => state((await deliver(events)).entry)),
      );
      for (const view of views) expect(view).toMatchObject(cancelledView);
      expect(new Set(views.map((view) => JSON.stringify(view))).size).toBe(1);
    }
  });

  it('builds the right view when OrderConfirmed arrives before OrderPlaced, listing the order meanwhile', async () => {
    const { placed, confirmed } = orderEvents();
    const history = new InMemoryOrderHistory();

    // when the confirmation overtakes the placement
    await deliver([confirmed], history);

    // then the order is already shown, confirmed, created at the earliest time known so far
    expect(await history.get('ord-1')).toMatchObject({
      status: 'CONFIRMED',
      items: LINES,
      total: TOTAL,
      createdAt: T.confirmed,
      updatedAt: T.confirmed,
      placed: false,
    });

    // and once the placement arrives, it stays confirmed and gets its real creation time
    const { entry, outcomes } = await deliver([placed], history);
    expect(outcomes).toEqual(['updated']);
    expect(entry).toMatchObject({
      status: 'CONFIRMED',
      createdAt: T.placed,
      updatedAt: T.confirmed,
      orderVersion: 2,
      placed: true,
    });
  });

  it('gives the same view for every order of a cancellation without confirmation', async () => {
    const { placed } = orderEvents();
    const rejected = {
      ...orderEvents().cancelled,
      data: {
        ...orderEvents().cancelled.data,
        reason: 'OUT_OF_STOCK' as const,
        wasConfirmed: false,
        orderVersion: 2,
      },
    };
    for (const events of permutations([placed, rejected, placed])) {
      expect(state((await deliver(events)).entry)).toMatchObject({
        status: 'CANCELLED',
        reason: 'OUT_OF_STOCK',
        createdAt: T.placed,
        updatedAt: T.cancelled,
        orderVersion: 2,
      });
    }
  });

  it('re-reads and re-applies on a concurrent delivery for the same order, keeping the newest', async () => {
    const { placed, confirmed, cancelled } = orderEvents();
    const history = new InMemoryOrderHistory();
    await deliver([placed], history);
    // given the cancellation is stored between the confirmation's read and its write
    history.beforeSave = async () => {
      history.beforeSave = undefined;
      await projectOrderChange(changeOf(cancelled), { history });
    };

    const outcome = await projectOrderChange(changeOf(confirmed), { history });

    // then the confirmation, re-read, turns out to be stale and the cancellation stays
    expect(outcome).toBe('unchanged');
    expect(state(await history.get('ord-1'))).toEqual({ ...cancelledView, orderVersion: 3 });
  });

  it('gives up after repeated conflicts, so the delivery is retried later', async () => {
    const { placed, confirmed } = orderEvents();
    const history = new InMemoryOrderHistory();
    await deliver([placed], history);
    history.beforeSave = () => {
      const stored = history.entries.get('ord-1') as ProjectedOrder;
      history.entries.set('ord-1', { ...stored, revision: stored.revision + 1 });
    };

    await expect(projectOrderChange(changeOf(confirmed), { history })).rejects.toBeInstanceOf(
      OrderHistoryConflict,
    );
    expect(history.saves).toBe(1 + 5);
  });
});

describe('orderChangeOf', () => {
  it('keeps only what the view shows and stores times in UTC', () => {
    const { placed } = orderEvents({ placedAt: '2026-11-22T11:00:00+01:00' });
    const data = {
      ...placed.data,
      items: [{ ...LINES[0], giftWrap: true }],
      total: { ...TOTAL, taxIncluded: true },
      channel: 'mobile',
    };

    expect(orderChangeOf.placed(OrderPlacedV2.dataSchema.parse(data))).toEqual({
      orderId: 'ord-1',
      customerId: 'alice',
      status: 'PENDING',
      items: [LINES[0]],
      total: TOTAL,
      at: T.placed,
      orderVersion: 1,
    });
  });
});

describe('evolve', () => {
  it('never moves an entry back to an older status, even by version when one side has none', () => {
    const legacyCancelled = orderChangeOf.cancelled(orderEvents({ versions: false }).cancelled.data);
    const entry = evolve(undefined, legacyCancelled);
    // a confirmation with a version does not override a cancellation without one
    const { confirmed } = orderEvents();
    const next = evolve(entry, orderChangeOf.confirmed(confirmed.data));
    expect(next).toMatchObject({ status: 'CANCELLED', updatedAt: T.cancelled, placed: false });
    expect(next).not.toHaveProperty('orderVersion');
    // (it only teaches an earlier time for the order's provisional creation)
    expect(next?.createdAt).toBe(T.confirmed);
  });
});

function typeOf(event: EventEnvelope): string {
  return event.metadata.eventType.replace('Order', '');
}

import { OrderHistoryConflict, type ProjectedOrder } from '../../../domains/views/model.js';
import type { OrderHistory, OrderHistoryPage } from '../../../domains/views/ports.js';
import { createEnvelope, type EventEnvelope } from '../../../events/envelope.js';
import type { Money } from '../../../events/money.js';
import {
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderPlacedV2,
} from '../../../events/orders/index.js';

/**
 * An in-memory OrderHistory with the DynamoDB one's promises: saves are optimistic on `revision`, a
 * customer's entries are listed newest first (createdAt, then orderId). `beforeSave` lets a test play a
 * concurrent delivery between the projection's read and its write.
 */
export class InMemoryOrderHistory implements OrderHistory {
  readonly entries = new Map<string, ProjectedOrder>();
  saves = 0;
  beforeSave?: (next: ProjectedOrder) => Promise<void> | void;

  constructor(initial: ProjectedOrder[] = []) {
    for (const entry of initial) this.entries.set(entry.orderId, structuredClone(entry));
  }

  async get(orderId: string): Promise<ProjectedOrder | undefined> {
    const entry = this.entries.get(orderId);
    return entry && structuredClone(entry);
  }

  async save(next: ProjectedOrder, expectedRevision: number | undefined): Promise<void> {
    this.saves++;
    await this.beforeSave?.(next);
    if (this.entries.get(next.orderId)?.revision !== expectedRevision) {
      throw new OrderHistoryConflict(`Entry ${next.orderId} changed concurrently.`);
    }
    this.entries.set(next.orderId, structuredClone(next));
  }

  async listByCustomer(
    customerId: string,
    page: { limit: number; cursor?: string },
  ): Promise<OrderHistoryPage> {
    const sortKey = (entry: ProjectedOrder) => `${entry.createdAt}#${entry.orderId}`;
    const mine = [...this.entries.values()]
      .filter((entry) => entry.customerId === customerId)
      .sort((a, b) => sortKey(b).localeCompare(sortKey(a)));
    const start = page.cursor ? Number(page.cursor) : 0;
    const items = mine.slice(start, start + page.limit);
    const more = start + page.limit < mine.length;
    return { items: structuredClone(items), nextCursor: more ? String(start + page.limit) : null };
  }
}

export const eur = (amount: number): Money => ({ amount, currency: 'EUR' });

export const LINES = [
  { productId: 'espresso-cup', quantity: 2, unitPrice: eur(1200) },
  { productId: 'hand-grinder', quantity: 1, unitPrice: eur(8900) },
];
export const TOTAL = eur(2 * 1200 + 8900);

/** Times of an order's life: placed, confirmed, cancelled. */
export const T = {
  placed: '2026-11-22T10:00:00.000Z',
  confirmed: '2026-11-22T10:00:02.000Z',
  cancelled: '2026-11-22T10:05:00.000Z',
};

/** A stored entry of a PENDING order just placed (the projection of its OrderPlaced). */
export function anEntry(overrides: Partial<ProjectedOrder> = {}): ProjectedOrder {
  return {
    orderId: 'ord-1',
    customerId: 'alice',
    status: 'PENDING',
    items: LINES,
    total: TOTAL,
    createdAt: T.placed,
    updatedAt: T.placed,
    orderVersion: 1,
    placed: true,
    revision: 1,
    ...overrides,
  };
}

const cause = { correlationId: 'req-place-1', causationId: 'req-place-1' };
const common = (orderId: string, customerId: string) => ({ orderId, customerId, items: LINES, total: TOTAL });

/** The events of one order, as the orders domain publishes them (`orderVersion` optional for old ones). */
export function orderEvents(
  options: { orderId?: string; customerId?: string; versions?: boolean; placedAt?: string } = {},
) {
  const { orderId = 'ord-1', customerId = 'alice', versions = true, placedAt = T.placed } = options;
  const version = (n: number) => (versions ? { orderVersion: n } : {});
  return {
    // Orders published v1 (clear token, optional version) before v2; replays still deliver both.
    placed: versions
      ? createEnvelope(
          OrderPlacedV2,
          {
            ...common(orderId, customerId),
            sealedPaymentToken: 'c2VhbGVkLWZvci1wYXltZW50cw==',
            placedAt,
            orderVersion: 1,
          },
          cause,
          { eventId: `evt-placed-${orderId}` },
        )
      : createEnvelope(
          OrderPlacedV1,
          { ...common(orderId, customerId), paymentToken: 'tok_visa', placedAt },
          cause,
          { eventId: `evt-placed-${orderId}` },
        ),
    confirmed: createEnvelope(
      OrderConfirmedV1,
      { ...common(orderId, customerId), confirmedAt: T.confirmed, ...version(2) },
      cause,
      { eventId: `evt-confirmed-${orderId}` },
    ),
    // a confirmed order cancelled by its customer (version 3)
    cancelled: createEnvelope(
      OrderCancelledV1,
      {
        ...common(orderId, customerId),
        reason: 'CANCELLED_BY_CUSTOMER' as const,
        wasConfirmed: true,
        cancelledAt: T.cancelled,
        ...version(3),
      },
      cause,
      { eventId: `evt-cancelled-${orderId}` },
    ),
  };
}

/** Every ordering of `items` (duplicates included, so repeated elements give repeated orderings). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

export type AnyOrderEvent = EventEnvelope<{ orderId: string }>;

import { describe, expect, it } from 'vitest';
import { listMyOrders } from '../../../domains/views/list-my-orders.js';
import { anEntry, InMemoryOrderHistory, LINES, T, TOTAL } from './fakes.js';

describe('listMyOrders', () => {
  const history = new InMemoryOrderHistory([
    anEntry({ orderId: 'a-old', createdAt: '2026-11-22T08:00:00.000Z' }),
    anEntry({ orderId: 'b-same-instant', createdAt: '2026-11-22T09:00:00.000Z' }),
    anEntry({ orderId: 'c-same-instant', createdAt: '2026-11-22T09:00:00.000Z' }),
    anEntry({
      orderId: 'd-newest',
      createdAt: '2026-11-22T09:30:00.000Z',
      status: 'CANCELLED',
      reason: 'PAYMENT_DECLINED',
      orderVersion: 2,
      revision: 2,
    }),
    anEntry({ orderId: 'e-bobs', customerId: 'bob', createdAt: '2026-11-22T10:00:00.000Z' }),
  ]);

  it('pages through the caller’s own orders only, newest first, then by order id', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listMyOrders('alice', { limit: 3, ...(cursor ? { cursor } : {}) }, { history });
      seen.push(...page.items.map((entry) => entry.orderId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(seen).toEqual(['d-newest', 'c-same-instant', 'b-same-instant', 'a-old']);
  });

  it('shows each order as GET /orders/{orderId} does, without the projection’s bookkeeping', async () => {
    const page = await listMyOrders('alice', { limit: 1 }, { history });

    expect(page.items).toEqual([
      {
        orderId: 'd-newest',
        customerId: 'alice',
        status: 'CANCELLED',
        reason: 'PAYMENT_DECLINED',
        items: LINES,
        total: TOTAL,
        createdAt: '2026-11-22T09:30:00.000Z',
        updatedAt: T.placed,
      },
    ]);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it('answers a customer without orders with an empty last page', async () => {
    expect(await listMyOrders('carol', { limit: 20 }, { history })).toEqual({ items: [], nextCursor: null });
  });
});

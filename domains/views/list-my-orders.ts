import { toHistoryEntry } from './model.js';
import type { MyOrdersPage, OrderHistory } from './ports.js';
import type { ListOrdersQuery } from './schemas.js';

/** The caller's own orders, newest first, from the read model (eventually consistent with the orders). */
export async function listMyOrders(
  customerId: string,
  query: ListOrdersQuery,
  ports: { history: OrderHistory },
): Promise<MyOrdersPage> {
  const page = await ports.history.listByCustomer(customerId, query);
  return { items: page.items.map(toHistoryEntry), nextCursor: page.nextCursor };
}

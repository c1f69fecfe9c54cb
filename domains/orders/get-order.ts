import { canRead, OrderNotFound, type OrderView, type Requester, toView } from './model.js';
import type { OrderRepository } from './ports.js';
import type { ListOrdersQuery } from './schemas.js';

/** An order for its owner or an admin; to anyone else it does not exist (404, not 403). */
export async function getOrder(
  orderId: string,
  requester: Requester,
  ports: { orders: OrderRepository },
): Promise<OrderView> {
  const order = await ports.orders.get(orderId);
  if (!order || !canRead(order, requester)) throw new OrderNotFound(orderId);
  return toView(order);
}

/** The caller's own orders, newest first. */
export async function listMyOrders(
  requester: Requester,
  query: ListOrdersQuery,
  ports: { orders: OrderRepository },
): Promise<{ items: OrderView[]; nextCursor: string | null }> {
  const page = await ports.orders.listByCustomer(requester.customerId, query);
  return { items: page.items.map(toView), nextCursor: page.nextCursor };
}

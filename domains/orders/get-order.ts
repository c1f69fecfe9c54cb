import { canRead, OrderNotFound, type OrderView, type Requester, toView } from './model.js';
import type { OrderRepository } from './ports.js';

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

import type { CausalContext } from '../../events/envelope.js';
import type { Clock } from '../../shared/clock.js';
import { changeOrder } from './change-order.js';
import { OrderNotCancellable, OrderNotFound, type OrderView, type Requester, toView } from './model.js';
import type { OrderLifecycle, OrderRepository } from './ports.js';

/**
 * The owner cancels a PENDING or CONFIRMED order; `OrderCancelled` tells inventory to release or restock
 * and payments to void or refund. Someone else's order does not exist for the caller (404).
 */
export async function cancelOrder(
  orderId: string,
  requester: Requester,
  ports: { orders: OrderRepository; clock: Clock; lifecycle?: OrderLifecycle },
  trace: CausalContext,
): Promise<OrderView> {
  const result = await changeOrder(orderId, { type: 'CancelledByCustomer' }, ports, trace, (order) => {
    if (order.customerId !== requester.customerId) throw new OrderNotFound(orderId);
  });
  if (result.outcome === 'unknown-order') throw new OrderNotFound(orderId);
  if (result.outcome === 'ignored') throw new OrderNotCancellable(result.order);
  return toView(result.order);
}

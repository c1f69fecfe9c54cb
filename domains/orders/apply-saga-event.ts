import { type ChangeResult, changeOrder } from './change-order.js';
import type { OrderTrigger } from './model.js';
import type { Clock, OrderRepository, Trace } from './ports.js';

/** The facts of inventory and payments that move an order. */
export type SagaTrigger = Extract<
  OrderTrigger,
  { type: 'StockReservationFailed' | 'PaymentAuthorized' | 'PaymentDeclined' | 'PaymentUnavailable' }
>;

/**
 * Applies one saga fact to its order. Facts that no longer apply (duplicates, late arrivals such as a
 * payment authorized after a cancellation) change nothing; so does a fact about an order this domain does
 * not know, which the caller may log.
 */
export function applySagaEvent(
  orderId: string,
  trigger: SagaTrigger,
  ports: { orders: OrderRepository; clock: Clock },
  trace: Trace,
): Promise<ChangeResult> {
  return changeOrder(orderId, trigger, ports, trace);
}

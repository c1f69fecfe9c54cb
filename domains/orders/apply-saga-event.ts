import type { CausalContext } from '../../events/envelope.js';
import type { Clock } from '../../shared/clock.js';
import { type ChangeResult, changeOrder } from './change-order.js';
import type { OrderTrigger } from './model.js';
import type { OrderRepository } from './ports.js';

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
  trace: CausalContext,
): Promise<ChangeResult> {
  return changeOrder(orderId, trigger, ports, trace);
}

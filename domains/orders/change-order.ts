import { type CausalContext, createEnvelope, type EventEnvelope } from '../../events/envelope.js';
import { OrderCancelledV1, OrderConfirmedV1 } from '../../events/orders/index.js';
import type { Clock } from '../../shared/clock.js';
import { retryOnConflict } from '../../shared/dynamodb/retry-on-conflict.js';
import {
  type Order,
  type OrderOutcome,
  type OrderTrigger,
  OrderVersionConflict,
  transition,
} from './model.js';
import type { OrderLifecycle, OrderRepository } from './ports.js';

export type ChangeResult =
  | { outcome: 'unknown-order' }
  | { outcome: 'ignored'; order: Order }
  | { outcome: 'changed'; order: Order };

function eventOf(order: Order, outcome: OrderOutcome, trace: CausalContext, now: Date): EventEnvelope {
  const common = {
    orderId: order.orderId,
    customerId: order.customerId,
    items: order.items,
    total: order.total,
    /** Lets projections keep the newest state whatever the delivery order. */
    orderVersion: order.version,
  };
  if (outcome.type === 'OrderConfirmed') {
    return createEnvelope(OrderConfirmedV1, { ...common, confirmedAt: order.updatedAt }, trace, { now });
  }
  return createEnvelope(
    OrderCancelledV1,
    { ...common, reason: outcome.reason, wasConfirmed: outcome.wasConfirmed, cancelledAt: order.updatedAt },
    trace,
    { now },
  );
}

/**
 * Applies a trigger to the stored order through the state machine and stores the new state with its event
 * (optimistic on `version`, one transaction). On a version conflict the order is read again and the
 * trigger re-applied to what is stored now, which may well make it not apply any more; after the shared
 * policy's attempts the conflict is thrown and the caller's retry mechanism takes over.
 */
export async function changeOrder(
  orderId: string,
  trigger: OrderTrigger,
  ports: { orders: OrderRepository; clock: Clock; lifecycle?: OrderLifecycle },
  trace: CausalContext | ((order: Order) => CausalContext),
  guard?: (order: Order) => void,
): Promise<ChangeResult> {
  return retryOnConflict(
    async (): Promise<ChangeResult> => {
      const current = await ports.orders.get(orderId);
      if (!current) return { outcome: 'unknown-order' };
      guard?.(current);
      const now = ports.clock.now();
      const result = transition(current, trigger, now);
      if (result.kind === 'ignored') return { outcome: 'ignored', order: current };
      const cause = typeof trace === 'function' ? trace(current) : trace;
      const events = result.outcome ? [eventOf(result.order, result.outcome, cause, now)] : [];
      await ports.orders.save(result.order, current.version, events);
      if (result.outcome) ports.lifecycle?.changed(result.order, result.outcome);
      return { outcome: 'changed', order: result.order };
    },
    { retryOn: (error) => error instanceof OrderVersionConflict },
  );
}

import type { Clock } from '../../shared/clock.js';
import { changeOrder } from './change-order.js';
import type { OrderLifecycle, OrderRepository } from './ports.js';

/** Orders handled per run; the schedule runs every minute, so a backlog drains over a few runs. */
const ORDERS_PER_RUN = 200;
const IN_PARALLEL = 10;

/**
 * Cancels every order still PENDING after the deadline: PAYMENT_UNAVAILABLE when payments reported the
 * provider unreachable, TIMEOUT otherwise. Each order goes through the state machine, so one that was
 * confirmed meanwhile stays confirmed. Failures are raised after the other orders were handled.
 */
export async function expirePendingOrders(
  options: { deadlineSeconds: number; sweepId: string },
  ports: { orders: OrderRepository; clock: Clock; lifecycle?: OrderLifecycle },
): Promise<{ expired: number }> {
  const { deadlineSeconds, sweepId } = options;
  const cutoff = new Date(ports.clock.now().getTime() - deadlineSeconds * 1000);
  const orderIds = await ports.orders.pendingSince(cutoff, ORDERS_PER_RUN);
  let expired = 0;
  const failures: unknown[] = [];
  for (let start = 0; start < orderIds.length; start += IN_PARALLEL) {
    const results = await Promise.allSettled(
      orderIds.slice(start, start + IN_PARALLEL).map((orderId) =>
        changeOrder(orderId, { type: 'DeadlinePassed', deadlineSeconds }, ports, (order) => ({
          correlationId: order.correlationId,
          causationId: sweepId,
        })),
      ),
    );
    for (const result of results) {
      if (result.status === 'rejected') failures.push(result.reason);
      else if (result.value.outcome === 'changed') expired++;
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} overdue order(s) could not be expired`);
  }
  return { expired };
}

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Order, OrderOutcome } from '../../domains/orders/model.js';
import type { OrderLifecycle } from '../../domains/orders/ports.js';
import { metrics } from '../../shared/observability.js';

/** The orders' business metrics (Powertools, the stage's namespace), as the operations dashboard reads them. */
export const ORDER_METRICS = {
  placed: 'OrderPlaced',
  confirmed: 'OrderConfirmed',
  cancelled: 'OrderCancelled',
  /** From placement to the saga's end: confirmation, or cancellation before confirmation. */
  sagaDuration: 'OrderSagaDuration',
} as const;

const sinceOrderPlaced = (order: Order) => Date.parse(order.updatedAt) - Date.parse(order.createdAt);

/**
 * Counts what the orders domain reports after each write. Each is flushed with the invocation's other
 * metrics by the handler's middleware (logMetrics); a cancellation carries its reason as a dimension.
 */
export const lifecycleMetrics: OrderLifecycle = {
  placed() {
    metrics.addMetric(ORDER_METRICS.placed, MetricUnit.Count, 1);
  },
  changed(order: Order, outcome: OrderOutcome) {
    if (outcome.type === 'OrderConfirmed') {
      metrics.addMetric(ORDER_METRICS.confirmed, MetricUnit.Count, 1);
      metrics.addMetric(ORDER_METRICS.sagaDuration, MetricUnit.Milliseconds, sinceOrderPlaced(order));
      return;
    }
    const cancelled = metrics.singleMetric();
    cancelled.addDimension('reason', outcome.reason);
    cancelled.addMetric(ORDER_METRICS.cancelled, MetricUnit.Count, 1);
    if (!outcome.wasConfirmed) {
      metrics.addMetric(ORDER_METRICS.sagaDuration, MetricUnit.Milliseconds, sinceOrderPlaced(order));
    }
  },
};

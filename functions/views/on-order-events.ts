import type { OrderChange } from '../../domains/views/model.js';
import { orderChangeOf, projectOrderChange } from '../../domains/views/project-order.js';
import {
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderPlacedV2,
} from '../../events/orders/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { sqsBatchEventConsumer } from '../../shared/consumers/sqs-batch.js';
import { logger } from '../../shared/observability.js';
import { orderHistory } from './dependencies.js';

const project = async (change: OrderChange): Promise<void> => {
  const outcome = await projectOrderChange(change, { history: orderHistory() });
  logger.info('Order history projected', {
    orderId: change.orderId,
    status: change.status,
    orderVersion: change.orderVersion,
    outcome,
  });
};

/**
 * The customers' order history, built only from the orders' events. Idempotent by order version, so
 * `npm run replay` can re-deliver already seen events to rebuild it.
 */
export const handler = sqsBatchEventConsumer([
  on(OrderPlacedV2, ({ data }) => project(orderChangeOf.placed(data))),
  on(OrderPlacedV1, ({ data }) => project(orderChangeOf.placed(data))),
  on(OrderConfirmedV1, ({ data }) => project(orderChangeOf.confirmed(data))),
  on(OrderCancelledV1, ({ data }) => project(orderChangeOf.cancelled(data))),
]);

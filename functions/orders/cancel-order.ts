import { cancelOrder } from '../../domains/orders/cancel-order.js';
import { orderPathSchema } from '../../domains/orders/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { clock, orderRepository, requesterOf } from './dependencies.js';

export const handler = httpHandler(
  { access: 'customer', path: orderPathSchema },
  async ({ path, caller, correlationId }) =>
    json(
      202,
      await cancelOrder(
        path.orderId,
        requesterOf(caller),
        { orders: orderRepository(), clock },
        { correlationId, causationId: correlationId },
      ),
    ),
);

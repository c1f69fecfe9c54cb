import { cancelOrder } from '../../domains/orders/cancel-order.js';
import { orderSchema } from '../../domains/orders/responses.js';
import { orderPathSchema } from '../../domains/orders/schemas.js';
import { json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { tracedHttpHandler } from '../../shared/http/traced-handler.js';
import { clock, lifecycle, orderRepository, requesterOf } from './dependencies.js';

export const route = defineRoute('POST /orders/{orderId}/cancel', 'cancelOrder', {
  summary: 'Cancel one of your orders',
  description:
    'A pending order is cancelled, a confirmed one refunded and its stock released. ' +
    "Someone else's order is a 404; an order already cancelled is a 409.",
  access: 'customer',
  path: orderPathSchema,
  responses: { 202: orderSchema },
  problems: [404, 409],
});

export const handler = tracedHttpHandler(route, async ({ path, caller, correlationId }) =>
  json(
    202,
    await cancelOrder(
      path.orderId,
      requesterOf(caller),
      { orders: orderRepository(), clock, lifecycle },
      { correlationId, causationId: correlationId },
    ),
  ),
);

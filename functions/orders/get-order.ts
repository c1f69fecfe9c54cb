import { getOrder } from '../../domains/orders/get-order.js';
import { orderSchema } from '../../domains/orders/responses.js';
import { orderPathSchema } from '../../domains/orders/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { orderRepository, requesterOf } from './dependencies.js';

export const route = defineRoute('GET /orders/{orderId}', 'getOrder', {
  summary: 'One order, for its owner or an admin',
  description: "Someone else's order is a 404.",
  access: 'customer',
  path: orderPathSchema,
  responses: { 200: orderSchema },
  problems: [404],
});

export const handler = httpHandler(route, async ({ path, caller }) =>
  json(200, await getOrder(path.orderId, requesterOf(caller), { orders: orderRepository() })),
);

import { getOrder } from '../../domains/orders/get-order.js';
import { orderPathSchema } from '../../domains/orders/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { orderRepository, requesterOf } from './dependencies.js';

export const handler = httpHandler({ access: 'customer', path: orderPathSchema }, async ({ path, caller }) =>
  json(200, await getOrder(path.orderId, requesterOf(caller), { orders: orderRepository() })),
);

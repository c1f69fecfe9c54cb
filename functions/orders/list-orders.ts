import { listMyOrders } from '../../domains/orders/get-order.js';
import { listOrdersQuerySchema } from '../../domains/orders/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { orderRepository, requesterOf } from './dependencies.js';

export const handler = httpHandler(
  { access: 'customer', query: listOrdersQuerySchema },
  async ({ query, caller }) =>
    json(200, await listMyOrders(requesterOf(caller), query, { orders: orderRepository() })),
);

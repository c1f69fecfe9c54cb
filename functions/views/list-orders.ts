import { listMyOrders } from '../../domains/views/list-my-orders.js';
import { orderHistoryPageSchema } from '../../domains/views/responses.js';
import { listOrdersQuerySchema } from '../../domains/views/schemas.js';
import { UnauthorizedError } from '../../shared/errors.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { orderHistory } from './dependencies.js';

export const route = defineRoute('GET /orders', 'listMyOrders', {
  tag: 'orders',
  summary: "A page of the caller's own orders, newest first",
  description: 'Served by the read side: an order shows up here shortly after it is placed or changes.',
  access: 'customer',
  query: listOrdersQuerySchema,
  responses: { 200: orderHistoryPageSchema },
});

/** GET /orders: the caller's own orders (the token's subject is the customer id), newest first. */
export const handler = httpHandler(route, async ({ query, caller }) => {
  if (!caller) throw new UnauthorizedError('A valid bearer token is required.');
  return json(200, await listMyOrders(caller.userId, query, { history: orderHistory() }));
});

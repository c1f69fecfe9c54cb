import { listMyOrders } from '../../domains/views/list-my-orders.js';
import { listOrdersQuerySchema } from '../../domains/views/schemas.js';
import { UnauthorizedError } from '../../shared/errors.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { orderHistory } from './dependencies.js';

/** GET /orders: the caller's own orders (the token's subject is the customer id), newest first. */
export const handler = httpHandler(
  { access: 'customer', query: listOrdersQuerySchema },
  async ({ query, caller }) => {
    if (!caller) throw new UnauthorizedError('A valid bearer token is required.');
    return json(200, await listMyOrders(caller.userId, query, { history: orderHistory() }));
  },
);

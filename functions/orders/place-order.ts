import { placeOrder } from '../../domains/orders/place-order.js';
import { idempotencyKeyOf, placeOrderSchema } from '../../domains/orders/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { backoff, clock, orderRepository, priceBook, requesterOf } from './dependencies.js';

export const handler = httpHandler(
  { access: 'customer', body: placeOrderSchema },
  async ({ body, caller, headers, correlationId }) => {
    const placed = await placeOrder(
      body,
      { customerId: requesterOf(caller).customerId, idempotencyKey: idempotencyKeyOf(headers) },
      { orders: orderRepository(), prices: priceBook(), clock, backoff },
      { correlationId, causationId: correlationId },
    );
    return { ...json(202, placed), headers: { location: `/orders/${placed.orderId}` } };
  },
);

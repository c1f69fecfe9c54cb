import { placeOrder } from '../../domains/orders/place-order.js';
import { placedOrderSchema } from '../../domains/orders/responses.js';
import { placeOrderSchema } from '../../domains/orders/schemas.js';
import * as z from '../../events/zod.js';
import { json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { tracedHttpHandler } from '../../shared/http/traced-handler.js';
import {
  backoff,
  clock,
  lifecycle,
  orderRepository,
  paymentTokenSealer,
  priceBook,
  requesterOf,
} from './dependencies.js';

export const route = defineRoute('POST /orders', 'placeOrder', {
  summary: 'Place an order',
  description:
    'The same Idempotency-Key with the same body returns the same order; with another body it is a 409. ' +
    'Unknown products, or products priced in different currencies, are a 422 listing every such line. ' +
    'A total above the largest amount Money carries (100,000,000,000 minor units) is a 422 ' +
    '`order-total-too-large` with `total` and `maxTotal`. The card token is sealed for payments before ' +
    'anything is stored or published.',
  access: 'customer',
  body: placeOrderSchema,
  headers: {
    'Idempotency-Key': {
      required: true,
      description: 'A new unique key (e.g. a UUID) per order, the same key on retries',
      schema: z.string().check(z.regex(/^[\x21-\x7E]{1,255}$/, 'must be 1-255 visible ASCII characters')),
    },
  },
  responses: { 202: placedOrderSchema },
  responseHeaders: { 202: { location: 'The URL of the order: /orders/{orderId}' } },
  problems: [409, 422],
});

export const handler = tracedHttpHandler(route, async ({ body, caller, headers, correlationId }) => {
  const placed = await placeOrder(
    body,
    { customerId: requesterOf(caller).customerId, idempotencyKey: headers['Idempotency-Key'] },
    {
      orders: orderRepository(),
      prices: priceBook(),
      tokens: paymentTokenSealer(),
      clock,
      backoff,
      lifecycle,
    },
    { correlationId, causationId: correlationId },
  );
  return { ...json(202, placed), headers: { location: `/orders/${placed.orderId}` } };
});

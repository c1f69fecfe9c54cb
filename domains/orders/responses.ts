import { moneyResponseSchema } from '../../events/money.js';
import { cancellationReasonSchema } from '../../events/orders/index.js';
import * as z from '../../events/zod.js';
import { describes } from '../../shared/http/route.js';
import type { OrderView } from './model.js';
import type { PlacedOrder } from './place-order.js';

export const orderSchema = describes<OrderView>()(
  z.described(
    z.strictObject({
      orderId: z.string(),
      customerId: z.string(),
      status: z.enum(['PENDING', 'CONFIRMED', 'CANCELLED']),
      items: z.array(
        z.strictObject({
          productId: z.string(),
          quantity: z.int(),
          unitPrice: z.described(moneyResponseSchema, {
            description: "The product's price when the order was placed",
          }),
        }),
      ),
      total: moneyResponseSchema,
      reason: z.described(z.optional(cancellationReasonSchema), {
        description: 'Set once the order is cancelled',
      }),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    }),
    { id: 'Order' },
  ),
);

export const placedOrderSchema = describes<PlacedOrder>()(
  z.described(z.strictObject({ orderId: z.string(), status: z.literal('PENDING') }), { id: 'PlacedOrder' }),
);

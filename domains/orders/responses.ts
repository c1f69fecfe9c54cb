import * as z from 'zod';
import { moneyResponseSchema } from '../../events/money.js';
import { cancellationReasonSchema } from '../../events/orders/index.js';
import { describes } from '../../shared/http/route.js';
import type { OrderView } from './model.js';
import type { PlacedOrder } from './place-order.js';

export const orderSchema = describes<OrderView>()(
  z
    .strictObject({
      orderId: z.string(),
      customerId: z.string(),
      status: z.enum(['PENDING', 'CONFIRMED', 'CANCELLED']),
      items: z.array(
        z.strictObject({
          productId: z.string(),
          quantity: z.int(),
          unitPrice: moneyResponseSchema.meta({
            description: "The product's price when the order was placed",
          }),
        }),
      ),
      total: moneyResponseSchema,
      reason: cancellationReasonSchema.optional().meta({ description: 'Set once the order is cancelled' }),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    })
    .meta({ id: 'Order' }),
);

export const placedOrderSchema = describes<PlacedOrder>()(
  z.strictObject({ orderId: z.string(), status: z.literal('PENDING') }).meta({ id: 'PlacedOrder' }),
);

import { moneyResponseSchema } from '../../events/money.js';
import { cancellationReasonSchema } from '../../events/orders/index.js';
import * as z from '../../events/zod.js';
import { describes, pageOf } from '../../shared/http/route.js';
import type { OrderHistoryEntry } from './model.js';

/** One order of `GET /orders`: the shape of `GET /orders/{orderId}` (API.md), built from order events. */
export const orderHistoryEntrySchema = describes<OrderHistoryEntry>()(
  z.described(
    z.strictObject({
      orderId: z.string(),
      customerId: z.string(),
      status: z.enum(['PENDING', 'CONFIRMED', 'CANCELLED']),
      items: z.array(
        z.strictObject({ productId: z.string(), quantity: z.int(), unitPrice: moneyResponseSchema }),
      ),
      total: moneyResponseSchema,
      reason: z.optional(cancellationReasonSchema),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    }),
    { id: 'OrderHistoryEntry' },
  ),
);

export const orderHistoryPageSchema = z.described(pageOf(orderHistoryEntrySchema), {
  id: 'OrderHistoryPage',
});

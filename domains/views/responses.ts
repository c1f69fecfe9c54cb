import * as z from 'zod';
import { moneyResponseSchema } from '../../events/money.js';
import { cancellationReasonSchema } from '../../events/orders/index.js';
import { describes, pageOf } from '../../shared/http/route.js';
import type { OrderHistoryEntry } from './model.js';

/** One order of `GET /orders`: the shape of `GET /orders/{orderId}` (API.md), built from order events. */
export const orderHistoryEntrySchema = describes<OrderHistoryEntry>()(
  z
    .strictObject({
      orderId: z.string(),
      customerId: z.string(),
      status: z.enum(['PENDING', 'CONFIRMED', 'CANCELLED']),
      items: z.array(
        z.strictObject({ productId: z.string(), quantity: z.int(), unitPrice: moneyResponseSchema }),
      ),
      total: moneyResponseSchema,
      reason: cancellationReasonSchema.optional(),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    })
    .meta({ id: 'OrderHistoryEntry' }),
);

export const orderHistoryPageSchema = pageOf(orderHistoryEntrySchema).meta({ id: 'OrderHistoryPage' });

import * as z from '../../events/zod.js';
import { MAX_LINES, MAX_QUANTITY } from './model.js';

const quantityMessage = `must be an integer from 1 to ${MAX_QUANTITY}`;

const lineSchema = z.strictObject({
  productId: z.string().check(z.minLength(1, 'is required')).check(z.maxLength(128)),
  quantity: z
    .int(quantityMessage)
    .check(z.minimum(1, quantityMessage))
    .check(z.maximum(MAX_QUANTITY, quantityMessage)),
});

export const placeOrderSchema = z
  .strictObject({
    items: z
      .array(lineSchema)
      .check(z.minLength(1, 'must hold at least one line'))
      .check(z.maxLength(MAX_LINES, `must hold at most ${MAX_LINES} lines`)),
    paymentToken: z.string().check(z.minLength(1, 'is required')).check(z.maxLength(256)),
  })
  .check(
    z.superRefine((order, context) => {
      // Lines of the same product are merged: their sum obeys the same limit as one line.
      const totals = new Map<string, number>();
      order.items.forEach((line, index) => {
        const total = (totals.get(line.productId) ?? 0) + line.quantity;
        totals.set(line.productId, total);
        if (total > MAX_QUANTITY && total - line.quantity <= MAX_QUANTITY) {
          context.addIssue({
            code: 'custom',
            path: ['items', index, 'quantity'],
            message: `together with the other lines of product "${line.productId}" exceeds ${MAX_QUANTITY}`,
          });
        }
      });
    }),
  );
export type PlaceOrderInput = z.infer<typeof placeOrderSchema>;

export const orderPathSchema = z.object({
  orderId: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,128}$/, 'is not an order id')),
});

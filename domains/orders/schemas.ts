import * as z from 'zod';
import { MAX_LINES, MAX_QUANTITY } from './model.js';

const quantityMessage = `must be an integer from 1 to ${MAX_QUANTITY}`;

const lineSchema = z.strictObject({
  productId: z.string().min(1, 'is required').max(128),
  quantity: z.int(quantityMessage).min(1, quantityMessage).max(MAX_QUANTITY, quantityMessage),
});

export const placeOrderSchema = z
  .strictObject({
    items: z
      .array(lineSchema)
      .min(1, 'must hold at least one line')
      .max(MAX_LINES, `must hold at most ${MAX_LINES} lines`),
    paymentToken: z.string().min(1, 'is required').max(256),
  })
  .superRefine((order, context) => {
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
  });
export type PlaceOrderInput = z.infer<typeof placeOrderSchema>;

export const orderPathSchema = z.object({
  orderId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'is not an order id'),
});

import * as z from 'zod';
import { ValidationError } from '../../shared/errors.js';
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

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;

/** Reads the required Idempotency-Key header (any case); a missing or malformed key is a 400 naming it. */
export function idempotencyKeyOf(headers: Record<string, string | undefined>): string {
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === IDEMPOTENCY_KEY_HEADER);
  const key = entry?.[1]?.trim();
  if (key && IDEMPOTENCY_KEY_PATTERN.test(key)) return key;
  throw new ValidationError(
    [
      {
        path: 'headers.Idempotency-Key',
        message: key
          ? 'must be 1-255 visible ASCII characters'
          : 'is required: send a new unique key (e.g. a UUID) per order, and the same key on retries',
      },
    ],
    'The Idempotency-Key header is required on POST /orders.',
  );
}

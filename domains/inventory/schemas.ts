import * as z from '../../events/zod.js';
import { MAX_STOCK_QUANTITY } from './model.js';

/**
 * The catalog's product id format (lower-case slug): inventory does not check that the product exists,
 * but refuses ids no product can have.
 */
const productId = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9-]{0,63}$/,
      'must be 1-64 lower-case letters, digits or dashes, starting with a letter or digit',
    ),
  );

export const stockPathSchema = z.object({ productId });

export const setStockSchema = z.strictObject({
  quantity: z
    .int('must be a whole number')
    .check(z.nonnegative('must be 0 or more'))
    .check(z.maximum(MAX_STOCK_QUANTITY, `must be at most ${MAX_STOCK_QUANTITY}`)),
});
export type SetStockInput = z.infer<typeof setStockSchema>;

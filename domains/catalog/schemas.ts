import { moneySchema } from '../../events/money.js';
import * as z from '../../events/zod.js';
import { PRODUCT_ID_PATTERN } from './model.js';

const productId = z
  .string()
  .check(
    z.regex(
      PRODUCT_ID_PATTERN,
      'must be 1-64 lower-case letters, digits or dashes, starting with a letter or digit',
    ),
  );

export const productPathSchema = z.object({ productId });

export const createProductSchema = z.strictObject({
  productId: z.optional(productId),
  name: z.string().check(z.trim()).check(z.minLength(1, 'is required')).check(z.maxLength(200)),
  description: z._default(z.string().check(z.trim()).check(z.maxLength(2000)), ''),
  price: moneySchema,
});
export type CreateProductInput = z.infer<typeof createProductSchema>;

export const changePriceSchema = z.strictObject(moneySchema.shape);

export const listProductsQuerySchema = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20),
  cursor: z.optional(z.string().check(z.minLength(1)).check(z.maxLength(2048))),
});
export type ListProductsQuery = z.infer<typeof listProductsQuerySchema>;

/** A price change waiting in the FIFO queue of its product. Internal to the catalog: not a bus event. */
export const priceChangeCommandSchema = z.object({
  commandId: z.string().check(z.minLength(1)),
  productId,
  price: moneySchema,
  requestedAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().check(z.minLength(1)),
});
export type PriceChangeCommand = z.infer<typeof priceChangeCommandSchema>;

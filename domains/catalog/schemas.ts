import * as z from 'zod';
import { moneySchema } from '../../events/money.js';
import { PRODUCT_ID_PATTERN } from './model.js';

const productId = z
  .string()
  .regex(
    PRODUCT_ID_PATTERN,
    'must be 1-64 lower-case letters, digits or dashes, starting with a letter or digit',
  );

export const productPathSchema = z.object({ productId });

export const createProductSchema = z.strictObject({
  productId: productId.optional(),
  name: z.string().trim().min(1, 'is required').max(200),
  description: z.string().trim().max(2000).default(''),
  price: moneySchema,
});
export type CreateProductInput = z.infer<typeof createProductSchema>;

export const changePriceSchema = z.strictObject(moneySchema.shape);

export const listProductsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});
export type ListProductsQuery = z.infer<typeof listProductsQuerySchema>;

/** A price change waiting in the FIFO queue of its product. Internal to the catalog: not a bus event. */
export const priceChangeCommandSchema = z.object({
  commandId: z.string().min(1),
  productId,
  price: moneySchema,
  requestedAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().min(1),
});
export type PriceChangeCommand = z.infer<typeof priceChangeCommandSchema>;

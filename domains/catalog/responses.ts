import { moneyResponseSchema } from '../../events/money.js';
import * as z from '../../events/zod.js';
import { describes, pageOf } from '../../shared/http/route.js';
import type { Product } from './model.js';

/** What the HTTP API answers about the catalog; each schema describes exactly the domain type it names. */
export const productSchema = describes<Product>()(
  z.described(
    z.strictObject({
      productId: z.string(),
      name: z.string(),
      description: z.string(),
      price: moneyResponseSchema,
      available: z.described(z.int(), { description: 'The stock a customer can still order' }),
      stockVersion: z.described(z.optional(z.int()), {
        description: 'Version of the stock report `available` is from',
      }),
      priceVersion: z.described(z.int(), { description: 'Number of prices the product has had, from 1' }),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    }),
    { id: 'Product' },
  ),
);

export const productPageSchema = z.described(pageOf(productSchema), { id: 'ProductPage' });

/** `PUT /products/{productId}/price`: the change is queued and applied in order (202). */
export const priceChangeAcceptedSchema = z.described(
  z.strictObject({
    productId: z.string(),
    price: moneyResponseSchema,
    requestId: z.described(z.string(), { description: 'Id of the queued price change command' }),
  }),
  { id: 'PriceChangeAccepted' },
);

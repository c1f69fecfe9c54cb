import * as z from 'zod';
import { moneyResponseSchema } from '../../events/money.js';
import { describes, pageOf } from '../../shared/http/route.js';
import type { Product } from './model.js';

/** What the HTTP API answers about the catalog; each schema describes exactly the domain type it names. */
export const productSchema = describes<Product>()(
  z
    .strictObject({
      productId: z.string(),
      name: z.string(),
      description: z.string(),
      price: moneyResponseSchema,
      available: z.int().meta({ description: 'The stock a customer can still order' }),
      stockVersion: z
        .int()
        .optional()
        .meta({ description: 'Version of the stock report `available` is from' }),
      priceVersion: z.int().meta({ description: 'Number of prices the product has had, from 1' }),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    })
    .meta({ id: 'Product' }),
);

export const productPageSchema = pageOf(productSchema).meta({ id: 'ProductPage' });

/** `PUT /products/{productId}/price`: the change is queued and applied in order (202). */
export const priceChangeAcceptedSchema = z
  .strictObject({
    productId: z.string(),
    price: moneyResponseSchema,
    requestId: z.string().meta({ description: 'Id of the queued price change command' }),
  })
  .meta({ id: 'PriceChangeAccepted' });

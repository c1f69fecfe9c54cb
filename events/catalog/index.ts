import * as z from 'zod';
import { defineEvent } from '../envelope.js';
import { moneySchema } from '../money.js';

export const CATALOG_PRODUCER = 'catalog';

export const ProductCreatedV1 = defineEvent({
  type: 'ProductCreated',
  version: 1,
  producer: CATALOG_PRODUCER,
  data: z.looseObject({
    productId: z.string().min(1),
    name: z.string(),
    description: z.string(),
    price: moneySchema,
    createdAt: z.iso.datetime({ offset: true }),
  }),
});

export const PriceChangedV1 = defineEvent({
  type: 'PriceChanged',
  version: 1,
  producer: CATALOG_PRODUCER,
  data: z.looseObject({
    productId: z.string().min(1),
    previousPrice: moneySchema,
    price: moneySchema,
    /** Increases by one with every applied change of this product: consumers drop older ones. */
    priceVersion: z.int().positive(),
    changedAt: z.iso.datetime({ offset: true }),
  }),
});

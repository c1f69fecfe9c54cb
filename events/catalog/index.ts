import { eventsOf } from '../envelope.js';
import { aggregateVersion, id, timestamp } from '../fields.js';
import { moneySchema } from '../money.js';
import * as z from '../zod.js';

export const CATALOG_PRODUCER = 'catalog';

const catalogEvent = eventsOf(CATALOG_PRODUCER);

export const ProductCreatedV1 = catalogEvent('ProductCreated', 1, {
  productId: id,
  name: z.string(),
  description: z.string(),
  price: moneySchema,
  createdAt: timestamp,
});

export const PriceChangedV1 = catalogEvent('PriceChanged', 1, {
  productId: id,
  previousPrice: moneySchema,
  price: moneySchema,
  /** Increases by one with every applied change of this product: consumers drop older ones. */
  priceVersion: aggregateVersion,
  changedAt: timestamp,
});

import type { ProjectedPrice } from '../../domains/orders/ports.js';
import { projectPrice } from '../../domains/orders/project-price.js';
import { PriceChangedV1, ProductCreatedV1 } from '../../events/catalog/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { eventConsumer } from '../../shared/consumers/event-consumer.js';
import { logger } from '../../shared/observability.js';
import { priceBook } from './dependencies.js';

const project = async (price: ProjectedPrice): Promise<void> => {
  const kept = await projectPrice(price, { prices: priceBook() });
  logger.info(kept ? 'Price projected' : 'Stale price ignored', { ...price });
};

/**
 * The catalog's prices, kept by the orders domain to price new orders (a product starts at version 1).
 * A redelivered price is stale: only a newer price version is kept.
 */
export const handler = eventConsumer([
  on(ProductCreatedV1, ({ data }) =>
    project({ productId: data.productId, price: data.price, priceVersion: 1, updatedAt: data.createdAt }),
  ),
  on(PriceChangedV1, ({ data }) =>
    project({
      productId: data.productId,
      price: data.price,
      priceVersion: data.priceVersion,
      updatedAt: data.changedAt,
    }),
  ),
]);

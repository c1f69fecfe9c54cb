import type { PriceBook, ProjectedPrice } from './ports.js';

/**
 * Keeps the orders domain's copy of a catalog price. Prices may arrive out of order: only a newer
 * `priceVersion` replaces the stored one (a created product is at version 1). Returns whether it was kept.
 */
export function projectPrice(price: ProjectedPrice, ports: { prices: PriceBook }): Promise<boolean> {
  return ports.prices.record(price);
}

import type { EventEnvelope } from '../../events/envelope.js';
import type { Product } from './model.js';
import type { PriceChangeCommand } from './schemas.js';

export interface ProductPage {
  items: Product[];
  nextCursor: string | null;
}

export interface ProductRepository {
  get(productId: string): Promise<Product | undefined>;
  list(page: { limit: number; cursor?: string }): Promise<ProductPage>;
  /** Stores a new product with its events atomically; throws ProductAlreadyExists if the id is taken. */
  create(product: Product, events: EventEnvelope[]): Promise<void>;
  /**
   * Stores the price of `next` (price, priceVersion, updatedAt) and its events atomically, provided the
   * stored product is still at `expectedPriceVersion` (optimistic concurrency). Its other attributes,
   * the stock projection above all, are left as they are at that moment.
   */
  savePriceChange(next: Product, expectedPriceVersion: number, events: EventEnvelope[]): Promise<void>;
}

export interface PriceChangeQueue {
  enqueue(command: PriceChangeCommand): Promise<void>;
}

import { type Product, ProductAlreadyExists } from '../../../domains/catalog/model.js';
import type { ProductPage, ProductRepository } from '../../../domains/catalog/ports.js';
import type { EventEnvelope } from '../../../events/envelope.js';
import { ConflictError } from '../../../shared/errors.js';

/**
 * An in-memory ProductRepository with the same promises as the DynamoDB one: state and events are
 * stored together, ids are unique, price changes are optimistic on `priceVersion`.
 */
export class InMemoryProductRepository implements ProductRepository {
  readonly products = new Map<string, Product>();
  /** Every event stored with a state change, in the order they were recorded (the outbox). */
  readonly outbox: EventEnvelope[] = [];

  constructor(initial: Product[] = []) {
    for (const product of initial) this.products.set(product.productId, structuredClone(product));
  }

  async get(productId: string): Promise<Product | undefined> {
    const product = this.products.get(productId);
    return product && structuredClone(product);
  }

  async list(page: { limit: number; cursor?: string }): Promise<ProductPage> {
    const all = [...this.products.values()].sort((a, b) => a.productId.localeCompare(b.productId));
    const start = page.cursor ? all.findIndex((p) => p.productId > (page.cursor as string)) : 0;
    const items = start < 0 ? [] : all.slice(start, start + page.limit);
    const last = items.at(-1);
    const more = start >= 0 && start + page.limit < all.length;
    return { items: structuredClone(items), nextCursor: more && last ? last.productId : null };
  }

  async create(product: Product, events: EventEnvelope[]): Promise<void> {
    if (this.products.has(product.productId)) throw new ProductAlreadyExists(product.productId);
    this.products.set(product.productId, structuredClone(product));
    this.outbox.push(...structuredClone(events));
  }

  async savePriceChange(next: Product, expectedPriceVersion: number, events: EventEnvelope[]): Promise<void> {
    const stored = this.products.get(next.productId);
    if (!stored || stored.priceVersion !== expectedPriceVersion) {
      throw new ConflictError(`Product ${next.productId} changed concurrently.`);
    }
    const { price, priceVersion, updatedAt } = structuredClone(next);
    this.products.set(next.productId, { ...stored, price, priceVersion, updatedAt });
    this.outbox.push(...structuredClone(events));
  }
}

/** A clock that stands still unless moved. */
export class FixedClock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(date: Date): void {
    this.current = date;
  }
}

import type { EventEnvelope } from '../../events/envelope.js';
import type { Money } from '../../events/money.js';
import type { Order, OrderOutcome } from './model.js';

/** Seals the card token for payments alone before it leaves the request (decisions.md). */
export type { PaymentTokenSealer } from '../../shared/crypto/payment-token.js';

/** A client's Idempotency-Key, stored with the order it created (decision 10). */
export interface IdempotencyRecord {
  customerId: string;
  key: string;
  /** Hash of the canonical request body: the same key with another body is refused. */
  requestHash: string;
  orderId: string;
}

export interface OrderRepository {
  get(orderId: string): Promise<Order | undefined>;
  findIdempotencyRecord(customerId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Stores a new order, its idempotency record and its events in one transaction; throws
   * IdempotencyKeyTaken when the key is already recorded (a concurrent or earlier request won).
   */
  place(order: Order, record: IdempotencyRecord, events: EventEnvelope[]): Promise<void>;
  /**
   * Replaces the order with `next` and stores its events atomically, provided the stored order is still
   * at `expectedVersion`; throws OrderVersionConflict otherwise.
   */
  save(next: Order, expectedVersion: number, events: EventEnvelope[]): Promise<void>;
  /** Ids of orders PENDING since `before` or earlier, oldest first, at most `limit`. */
  pendingSince(before: Date, limit: number): Promise<string[]>;
}

/** The orders domain's own projection of catalog prices. */
export interface ProjectedPrice {
  productId: string;
  price: Money;
  /** The catalog's price version: only a newer version replaces a stored price. */
  priceVersion: number;
  updatedAt: string;
}

export interface PriceBook {
  /** The known prices of these products; unknown products are absent from the map. */
  pricesOf(productIds: readonly string[]): Promise<Map<string, Money>>;
  /** Stores the price unless the same or a newer version is stored; returns whether it was stored. */
  record(price: ProjectedPrice): Promise<boolean>;
}

/**
 * Told of each order placed and each change stored (after the write), e.g. to count them for the
 * operations dashboard. Never told of a replayed placement or an ignored trigger.
 */
export interface OrderLifecycle {
  placed(order: Order): void;
  changed(order: Order, outcome: OrderOutcome): void;
}

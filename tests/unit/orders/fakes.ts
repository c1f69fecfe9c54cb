import {
  IdempotencyKeyTaken,
  type Order,
  type OrderLine,
  OrderVersionConflict,
} from '../../../domains/orders/model.js';
import type {
  IdempotencyRecord,
  OrderRepository,
  PriceBook,
  ProjectedPrice,
} from '../../../domains/orders/ports.js';
import type { EventEnvelope } from '../../../events/envelope.js';
import type { Money } from '../../../events/money.js';

export { FixedClock } from '../catalog/fakes.js';

/**
 * An in-memory OrderRepository with the DynamoDB one's promises: order, idempotency key and events are
 * stored together; a key is recorded once; saves are optimistic on `version`. `beforeSave` lets a test
 * play a concurrent writer between a use case's read and its write.
 */
export class InMemoryOrderRepository implements OrderRepository {
  readonly orders = new Map<string, Order>();
  readonly keys = new Map<string, IdempotencyRecord>();
  /** Every event stored with a state change, in the order they were recorded (the outbox). */
  readonly outbox: EventEnvelope[] = [];
  saves = 0;
  beforeSave?: (next: Order) => Promise<void> | void;

  constructor(initial: Order[] = []) {
    for (const order of initial) this.orders.set(order.orderId, structuredClone(order));
  }

  async get(orderId: string): Promise<Order | undefined> {
    const order = this.orders.get(orderId);
    return order && structuredClone(order);
  }

  async findIdempotencyRecord(customerId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const record = this.keys.get(`${customerId}#${key}`);
    return record && { ...record };
  }

  async place(order: Order, record: IdempotencyRecord, events: EventEnvelope[]): Promise<void> {
    const key = `${record.customerId}#${record.key}`;
    if (this.keys.has(key)) throw new IdempotencyKeyTaken(`Key ${record.key} is taken.`);
    if (this.orders.has(order.orderId)) throw new Error(`Order ${order.orderId} exists`);
    this.keys.set(key, { ...record });
    this.orders.set(order.orderId, structuredClone(order));
    this.outbox.push(...structuredClone(events));
  }

  async save(next: Order, expectedVersion: number, events: EventEnvelope[]): Promise<void> {
    this.saves++;
    await this.beforeSave?.(next);
    const stored = this.orders.get(next.orderId);
    if (!stored || stored.version !== expectedVersion) {
      throw new OrderVersionConflict(`Order ${next.orderId} changed concurrently.`);
    }
    this.orders.set(next.orderId, structuredClone(next));
    this.outbox.push(...structuredClone(events));
  }

  async pendingSince(before: Date, limit: number): Promise<string[]> {
    return [...this.orders.values()]
      .filter((order) => order.status === 'PENDING' && order.createdAt <= before.toISOString())
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit)
      .map((order) => order.orderId);
  }

  /** Stores a change behind the use case's back, as a concurrent writer would. */
  touch(orderId: string, change: Partial<Order>): void {
    const stored = this.orders.get(orderId) as Order;
    this.orders.set(orderId, { ...stored, ...change, version: stored.version + 1 });
  }
}

/** An in-memory PriceBook: newer price versions replace older ones, nothing else does. */
export class InMemoryPriceBook implements PriceBook {
  readonly prices = new Map<string, ProjectedPrice>();

  constructor(initial: Array<Omit<ProjectedPrice, 'updatedAt'>> = []) {
    for (const price of initial) this.prices.set(price.productId, { ...price, updatedAt: 'seed' });
  }

  async pricesOf(productIds: readonly string[]): Promise<Map<string, Money>> {
    const known = new Map<string, Money>();
    for (const id of productIds) {
      const price = this.prices.get(id);
      if (price) known.set(id, { ...price.price });
    }
    return known;
  }

  async record(price: ProjectedPrice): Promise<boolean> {
    const stored = this.prices.get(price.productId);
    if (stored && stored.priceVersion >= price.priceVersion) return false;
    this.prices.set(price.productId, { ...price });
    return true;
  }
}

export const T0 = new Date('2026-11-22T10:00:00.000Z');

export const eur = (amount: number): Money => ({ amount, currency: 'EUR' });

export const CUP: OrderLine = { productId: 'espresso-cup', quantity: 2, unitPrice: eur(1200) };
export const GRINDER: OrderLine = { productId: 'hand-grinder', quantity: 1, unitPrice: eur(8900) };

/** A stored order in any state. */
export function anOrder(overrides: Partial<Order> = {}): Order {
  return {
    orderId: 'ord-1',
    customerId: 'alice',
    status: 'PENDING',
    items: [CUP, GRINDER],
    total: eur(2 * 1200 + 8900),
    paymentUnavailable: false,
    correlationId: 'req-place-1',
    version: 1,
    createdAt: T0.toISOString(),
    updatedAt: T0.toISOString(),
    ...overrides,
  };
}

import {
  InventoryChangedConcurrently,
  type Reservation,
  type StockItem,
} from '../../../domains/inventory/model.js';
import type { Backoff, InventoryChange, InventoryRepository } from '../../../domains/inventory/ports.js';
import type { EventEnvelope } from '../../../events/envelope.js';

/** A stock item in test data: `available` follows from the figures. */
export function stockItem(
  productId: string,
  onHand: number,
  reserved = 0,
  stockVersion = 1,
  updatedAt = '2026-11-22T09:00:00.000Z',
): StockItem {
  return { productId, onHand, reserved, available: onHand - reserved, stockVersion, updatedAt };
}

/**
 * An in-memory InventoryRepository with the same promises as the DynamoDB one: a change is stored whole
 * or not at all, and only if every stock item and the reservation are still as they were read.
 */
export class InMemoryInventoryRepository implements InventoryRepository {
  readonly stock = new Map<string, StockItem>();
  readonly reservations = new Map<string, Reservation>();
  /** Every event stored with a state change, in the order they were recorded (the outbox). */
  readonly outbox: EventEnvelope[] = [];
  saves = 0;
  /** Runs before each save is checked: lets a test slip in a concurrent writer. */
  beforeSave: (() => void) | undefined;

  constructor(initial: StockItem[] = []) {
    for (const item of initial) this.stock.set(item.productId, structuredClone(item));
  }

  async getStock(productId: string): Promise<StockItem | undefined> {
    const item = this.stock.get(productId);
    return item && structuredClone(item);
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    const reservation = this.reservations.get(orderId);
    return reservation && structuredClone(reservation);
  }

  async save(change: InventoryChange): Promise<void> {
    this.beforeSave?.();
    const stale =
      change.stock.some(
        ({ before, after }) => this.stock.get(after.productId)?.stockVersion !== before?.stockVersion,
      ) ||
      (change.reservation !== undefined &&
        this.reservations.get(change.reservation.after.orderId)?.status !==
          change.reservation.before?.status);
    if (stale) throw new InventoryChangedConcurrently('changed since read');
    this.saves++;
    for (const { after } of change.stock) this.stock.set(after.productId, structuredClone(after));
    if (change.reservation) {
      this.reservations.set(change.reservation.after.orderId, structuredClone(change.reservation.after));
    }
    this.outbox.push(...structuredClone(change.events));
  }

  /** The outbox's events of one type, by their data. */
  published(type: string): any[] {
    return this.outbox.filter((event) => event.metadata.eventType === type).map((event) => event.data);
  }
}

/** Does not wait, but yields, so concurrent use cases interleave; records the attempts it was asked for. */
export class RecordingBackoff implements Backoff {
  readonly pauses: number[] = [];
  async pause(attempt: number): Promise<void> {
    this.pauses.push(attempt);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

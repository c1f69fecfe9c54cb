import {
  covers,
  movesAvailability,
  type Reservation,
  STOCK_FIGURES,
  type StockItem,
  type StockMovement,
} from '../../../domains/inventory/model.js';
import type {
  ChangeOutcome,
  ChangeStamp,
  InventoryChange,
  InventoryRepository,
  OnHandOutcome,
} from '../../../domains/inventory/ports.js';
import { stockLevelChanged } from '../../../domains/inventory/stock-level-changed.js';
import type { CausalContext, EventEnvelope } from '../../../events/envelope.js';
import type { Backoff } from '../../../shared/dynamodb/retry-on-conflict.js';

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
 * or not at all; movements apply to the stock as it is (atomic deltas) only where it covers them; the
 * reservation only from its expected status. Like the table's stream, every stored stock item whose
 * availability moved publishes its StockLevelChanged (made by the same domain function the relay uses).
 */
export class InMemoryInventoryRepository implements InventoryRepository {
  readonly stock = new Map<string, StockItem>();
  readonly reservations = new Map<string, Reservation>();
  /** Every event stored with a change (the outbox) and published by a stock item, in order. */
  readonly outbox: EventEnvelope[] = [];
  saves = 0;
  /** Runs before each write is checked: lets a test slip in a concurrent writer. */
  beforeSave: (() => void) | undefined;
  /** Runs before each stock read. */
  beforeRead: (() => void) | undefined;

  constructor(initial: StockItem[] = []) {
    for (const item of initial) this.stock.set(item.productId, structuredClone(item));
  }

  async getStock(productId: string): Promise<StockItem | undefined> {
    this.beforeRead?.();
    const item = this.stock.get(productId);
    return item && structuredClone(item);
  }

  async getReservation(orderId: string): Promise<Reservation | undefined> {
    const reservation = this.reservations.get(orderId);
    return reservation && structuredClone(reservation);
  }

  async save(change: InventoryChange): Promise<ChangeOutcome> {
    this.beforeSave?.();
    const { expected, next } = change.reservation;
    if (this.reservations.get(next.orderId)?.status !== expected) return 'reservation-moved';
    const short = change.stock.some(({ productId, movement }) => {
      const item = this.stock.get(productId);
      return !item || !covers(item, movement);
    });
    if (short) return 'stock-short';
    this.saves++;
    this.reservations.set(next.orderId, structuredClone(next));
    this.outbox.push(...structuredClone(change.events));
    for (const { productId, movement } of change.stock) {
      this.store(
        moved(this.stock.get(productId) as StockItem, movement, change.stamp.at),
        change.stamp.cause,
        movesAvailability(movement),
      );
    }
    return 'stored';
  }

  async setOnHand(productId: string, quantity: number, stamp: ChangeStamp): Promise<OnHandOutcome> {
    this.beforeSave?.();
    const current = this.stock.get(productId);
    const reserved = current?.reserved ?? 0;
    if (quantity < reserved) return { reserved };
    const stored: StockItem = {
      productId,
      onHand: quantity,
      reserved,
      available: quantity - reserved,
      stockVersion: (current?.stockVersion ?? 0) + 1,
      updatedAt: stamp.at.toISOString(),
    };
    this.store(stored, stamp.cause, true);
    return { stored: structuredClone(stored) };
  }

  /** The outbox's events of one type, by their data. */
  published(type: string): any[] {
    return this.outbox.filter((event) => event.metadata.eventType === type).map((event) => event.data);
  }

  private store(item: StockItem, cause: CausalContext, movedAvailability: boolean) {
    this.stock.set(item.productId, item);
    if (movedAvailability) this.outbox.push(stockLevelChanged(structuredClone(item), cause));
  }
}

/** What DynamoDB's `SET figure = figure ± :delta, stockVersion = stockVersion + 1` makes of an item. */
function moved(item: StockItem, movement: StockMovement, at: Date): StockItem {
  const next = { ...item, stockVersion: item.stockVersion + 1, updatedAt: at.toISOString() };
  for (const figure of STOCK_FIGURES) next[figure] += movement[figure];
  return next;
}

/** Does not wait, but yields, so concurrent use cases interleave; records the attempts it was asked for. */
export class RecordingBackoff implements Backoff {
  readonly pauses: number[] = [];
  async pause(attempt: number): Promise<void> {
    this.pauses.push(attempt);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

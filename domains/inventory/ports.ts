import type { CausalContext, EventEnvelope } from '../../events/envelope.js';
import type { Clock } from '../../shared/clock.js';
import type { Backoff } from '../../shared/dynamodb/retry-on-conflict.js';
import type { Reservation, ReservationStatus, StockItem, StockMovement } from './model.js';

/** When and why stock changed: stored on the stock item, carried by its StockLevelChanged. */
export interface ChangeStamp {
  cause: CausalContext;
  at: Date;
}

/** One product's stock moved by deltas (see StockMovement). */
export interface StockMove {
  productId: string;
  movement: StockMovement;
}

/**
 * One unit of work of the order saga: stock movements, the order's reservation record and the events
 * they cause. Each stock item's own change (StockLevelChanged) is published from the item itself.
 */
export interface InventoryChange {
  stock: StockMove[];
  /** Stored only while the order's reservation is still in `expected` (undefined: none exists yet). */
  reservation: { expected: ReservationStatus | undefined; next: Reservation };
  events: EventEnvelope[];
  stamp: ChangeStamp;
}

/**
 * `stored`: all of it; otherwise nothing. `reservation-moved`: the reservation was not in the expected
 * status (another delivery decided first; this wins over a short line). `stock-short`: a product has no
 * stock item, or its stock does not cover its movement (see coverNeeded).
 */
export type ChangeOutcome = 'stored' | 'reservation-moved' | 'stock-short';

/** `stored`: the stock item after the count; `reserved`: more units are reserved than were counted. */
export type OnHandOutcome = { stored: StockItem } | { reserved: number };

export interface InventoryRepository {
  getStock(productId: string): Promise<StockItem | undefined>;
  getReservation(orderId: string): Promise<Reservation | undefined>;
  /**
   * Applies the whole change atomically: each movement to the stock as it is at that moment (no version
   * read before), only where the stock covers it, and the reservation only from its expected status.
   */
  save(change: InventoryChange): Promise<ChangeOutcome>;
  /**
   * Sets the units on hand of a product, creating its stock item at version 1, atomically and only if
   * they cover the reserved units (`available = quantity - reserved`).
   */
  setOnHand(productId: string, quantity: number, stamp: ChangeStamp): Promise<OnHandOutcome>;
}

export interface InventoryPorts {
  inventory: InventoryRepository;
  clock: Clock;
  backoff: Backoff;
}

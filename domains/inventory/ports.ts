import type { CausalContext, EventEnvelope } from '../../events/envelope.js';
import type { Reservation, StockItem } from './model.js';

/** A stock item as it was read (`before`, undefined if none) and as it is to be stored (`after`). */
export interface StockWrite {
  before: StockItem | undefined;
  after: StockItem;
}

/** A reservation as it was read (`before`, undefined if none) and as it is to be stored (`after`). */
export interface ReservationWrite {
  before: Reservation | undefined;
  after: Reservation;
}

/** One unit of work: stock changes, at most one reservation change and the events they cause. */
export interface InventoryChange {
  stock: StockWrite[];
  reservation?: ReservationWrite;
  events: EventEnvelope[];
}

export interface InventoryRepository {
  getStock(productId: string): Promise<StockItem | undefined>;
  getReservation(orderId: string): Promise<Reservation | undefined>;
  /**
   * Stores the whole change and its events atomically, provided every stock item and the reservation are
   * still as they were read (`before`); otherwise nothing is stored and InventoryChangedConcurrently is
   * thrown.
   */
  save(change: InventoryChange): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** How long to wait before the next attempt after a concurrent change. */
export interface Backoff {
  pause(attempt: number): Promise<void>;
}

export interface InventoryPorts {
  inventory: InventoryRepository;
  clock: Clock;
  backoff: Backoff;
}

export interface Trace extends CausalContext {}

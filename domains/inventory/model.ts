import type { CausalContext, EventEnvelope } from '../../events/envelope.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';

/** The stock figures of one product; `available = onHand - reserved` is stored so conditions can use it. */
export interface StockLevel {
  onHand: number;
  reserved: number;
  available: number;
}

export interface StockItem extends StockLevel {
  productId: string;
  /** Increases by one with every change, so writers detect concurrent changes and projections stale ones. */
  stockVersion: number;
  updatedAt: string;
}

export interface StockLine {
  productId: string;
  quantity: number;
}

/**
 * What inventory decided for one order. The record is created once per order id, which makes it the
 * idempotency check of reservations and the tombstone of orders cancelled before they were placed.
 * - ACTIVE: the lines are reserved; SOLD: the order was confirmed and the stock left the shelf;
 * - RELEASED: the reservation was cancelled; RETURNED: a sold order was cancelled and its items came back;
 * - FAILED: nothing was reserved (a line was short); CANCELLED: the cancellation arrived first.
 */
export type ReservationStatus = 'ACTIVE' | 'SOLD' | 'RELEASED' | 'RETURNED' | 'FAILED' | 'CANCELLED';

export interface Reservation {
  orderId: string;
  status: ReservationStatus;
  items: StockLine[];
  updatedAt: string;
}

export interface Shortage {
  productId: string;
  requested: number;
  available: number;
}

export class StockItemNotFound extends NotFoundError {
  override readonly code = 'stock-item-not-found';
  constructor(productId: string) {
    super(`No stock is recorded for product "${productId}".`, { productId });
  }
}

export class OnHandBelowReserved extends ConflictError {
  override readonly code = 'on-hand-below-reserved';
  constructor(productId: string, quantity: number, reserved: number) {
    super(
      `Product "${productId}" has ${reserved} units reserved by open orders; on-hand stock cannot be set to ${quantity}.`,
      { productId, quantity, reserved },
    );
  }
}

/** A stored stock item or reservation changed between read and write; the use case re-reads and retries. */
export class InventoryChangedConcurrently extends ConflictError {
  override readonly code = 'inventory-changed-concurrently';
}

/** Lines of the same product are reserved as one, in the order they first appear. */
export function mergeLines(lines: ReadonlyArray<StockLine>): StockLine[] {
  const merged = new Map<string, number>();
  for (const { productId, quantity } of lines) merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}

/** The lines that cannot be served from the given stock (an unknown product has nothing available). */
export function shortagesOf(
  lines: ReadonlyArray<StockLine>,
  stock: ReadonlyMap<string, StockItem>,
): Shortage[] {
  return lines
    .map((line) => ({
      productId: line.productId,
      requested: line.quantity,
      available: stock.get(line.productId)?.available ?? 0,
    }))
    .filter((line) => line.available < line.requested);
}

function moved(item: StockItem, delta: Partial<StockLevel>, now: Date): StockItem {
  const next: StockItem = {
    ...item,
    onHand: item.onHand + (delta.onHand ?? 0),
    reserved: item.reserved + (delta.reserved ?? 0),
    available: item.available + (delta.available ?? 0),
    stockVersion: item.stockVersion + 1,
    updatedAt: now.toISOString(),
  };
  if (
    next.onHand < 0 ||
    next.reserved < 0 ||
    next.available < 0 ||
    next.available !== next.onHand - next.reserved
  ) {
    throw new Error(`Stock of ${item.productId} would become inconsistent: ${JSON.stringify(next)}`);
  }
  return next;
}

/** Holds units for an order: they stay on hand but can no longer be ordered. */
export const reserve = (item: StockItem, quantity: number, now: Date) =>
  moved(item, { available: -quantity, reserved: quantity }, now);

/** Gives reserved units back to customers. */
export const release = (item: StockItem, quantity: number, now: Date) =>
  moved(item, { available: quantity, reserved: -quantity }, now);

/** Reserved units are sold: they leave the shelf. */
export const sell = (item: StockItem, quantity: number, now: Date) =>
  moved(item, { onHand: -quantity, reserved: -quantity }, now);

/** Sold units come back (a confirmed order was cancelled). */
export const restock = (item: StockItem, quantity: number, now: Date) =>
  moved(item, { onHand: quantity, available: quantity }, now);

/** The stock after an admin counted `quantity` units on hand; reserved units must still be covered. */
export function withOnHand(
  item: StockItem | undefined,
  productId: string,
  quantity: number,
  now: Date,
): StockItem {
  const reserved = item?.reserved ?? 0;
  if (quantity < reserved) throw new OnHandBelowReserved(productId, quantity, reserved);
  return {
    productId,
    onHand: quantity,
    reserved,
    available: quantity - reserved,
    stockVersion: (item?.stockVersion ?? 0) + 1,
    updatedAt: now.toISOString(),
  };
}

/** What the HTTP API shows of a stock item. */
export function stockLevelOf(item: StockItem): StockLevel & { productId: string } {
  return {
    productId: item.productId,
    onHand: item.onHand,
    reserved: item.reserved,
    available: item.available,
  };
}

/** The causal context of an event caused by `event`: same correlation, caused by its id. */
export function causedBy(event: EventEnvelope): CausalContext {
  return { correlationId: event.metadata.correlationId, causationId: event.metadata.eventId };
}

import { ConflictError, NotFoundError } from '../../shared/errors.js';

/** The stock figures of one product; `available = onHand - reserved` is stored so conditions can use it. */
export interface StockLevel {
  onHand: number;
  reserved: number;
  available: number;
}

export interface StockItem extends StockLevel {
  productId: string;
  /** Increases by one with every change: projections drop stale changes, and each change has its own id. */
  stockVersion: number;
  updatedAt: string;
}

/**
 * The most units an admin may count on hand for one product: a billion, more than any shelf holds. It
 * keeps every stock figure an exact integer far from the limits of DynamoDB numbers and JavaScript, and
 * inside a signed 32-bit integer (2,147,483,647) even with as many units again returned on top of a full
 * count, so clients that read the figures as int32 never overflow.
 */
export const MAX_STOCK_QUANTITY = 1_000_000_000;

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

/** The order's reservation moved (another delivery decided first) between read and write: decide again. */
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

export const STOCK_FIGURES: ReadonlyArray<keyof StockLevel> = ['onHand', 'reserved', 'available'];

/**
 * A change of one product's stock figures, as deltas. Stores apply it atomically to whatever the figures
 * are at that moment (`SET available = available - :q`), so no writer depends on a version it read.
 */
export type StockMovement = Readonly<StockLevel>;

/** Every movement keeps `available = onHand - reserved` true, whatever the figures it is applied to. */
export function movement(delta: Partial<StockLevel>): StockMovement {
  const moved = { onHand: delta.onHand ?? 0, reserved: delta.reserved ?? 0, available: delta.available ?? 0 };
  if (moved.available !== moved.onHand - moved.reserved) {
    throw new Error(`A stock movement must keep available = onHand - reserved: ${JSON.stringify(moved)}`);
  }
  return moved;
}

/** Holds units for an order: they stay on hand but can no longer be ordered. */
export const reserve = (quantity: number) => movement({ available: -quantity, reserved: quantity });

/** Gives reserved units back to customers. */
export const release = (quantity: number) => movement({ available: quantity, reserved: -quantity });

/** Reserved units are sold: they leave the shelf. */
export const sell = (quantity: number) => movement({ onHand: -quantity, reserved: -quantity });

/** Sold units come back (a confirmed order was cancelled). */
export const restock = (quantity: number) => movement({ onHand: quantity, available: quantity });

/**
 * Whether a movement changes what customers can order: every one but a sale. Only such a change publishes
 * StockLevelChanged (v2); a sale still moves the figures and the stock version.
 */
export function movesAvailability(moving: StockMovement): boolean {
  return moving.available !== 0;
}

/**
 * What the stock must hold for a movement to apply: every figure it lowers at least by the decrease, so
 * no figure ever drops below zero (nothing oversold, nothing released twice). Stores apply a movement
 * only where this holds, in the same atomic step (DynamoDB: `available >= :available`).
 */
export function coverNeeded(moving: StockMovement): Partial<StockLevel> {
  return Object.fromEntries(
    STOCK_FIGURES.filter((figure) => moving[figure] < 0).map((figure) => [figure, -moving[figure]]),
  );
}

/** Whether a stock level covers a movement (see coverNeeded). */
export function covers(level: StockLevel, moving: StockMovement): boolean {
  return Object.entries(coverNeeded(moving)).every(
    ([figure, needed]) => level[figure as keyof StockLevel] >= (needed as number),
  );
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

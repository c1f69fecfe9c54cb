import type { EventEnvelope } from '../../events/envelope.js';
import { retryOnConflict } from '../../shared/dynamodb/retry-on-conflict.js';
import {
  InventoryChangedConcurrently,
  type Reservation,
  type ReservationStatus,
  type StockItem,
  type StockMovement,
} from './model.js';
import type { ChangeStamp, InventoryPorts, InventoryRepository } from './ports.js';

/**
 * Runs a decision on the order's reservation again, from a fresh read, when another delivery for the same
 * order moved the reservation first (the shared retry policy). Stock itself never needs this: it moves by
 * atomic deltas.
 */
export function decideAgainIfMoved<T>(ports: InventoryPorts, decide: () => Promise<T>): Promise<T> {
  return retryOnConflict(decide, {
    retryOn: (error) => error instanceof InventoryChangedConcurrently,
    pause: (attempt) => ports.backoff.pause(attempt),
  });
}

export const reservationMoved = (orderId: string) =>
  new InventoryChangedConcurrently(`The reservation of order ${orderId} changed since it was read.`);

/** Reads the stock items of the given products (consistently); unknown products are absent from the map. */
export async function readStock(
  inventory: InventoryRepository,
  productIds: ReadonlyArray<string>,
): Promise<Map<string, StockItem>> {
  const items = await Promise.all(productIds.map((productId) => inventory.getStock(productId)));
  return new Map(items.filter((item) => item !== undefined).map((item) => [item.productId, item]));
}

/**
 * Closes a reservation: moves the stock of every reserved line by `movement` and the reservation from the
 * status it was read in to `status`, with `events`, in one unit of work.
 */
export async function settleReservation(
  reservation: Reservation,
  outcome: {
    status: ReservationStatus;
    movement: (quantity: number) => StockMovement;
    events?: (now: Date) => EventEnvelope[];
  },
  ports: InventoryPorts,
  cause: ChangeStamp['cause'],
): Promise<void> {
  const now = ports.clock.now();
  const saved = await ports.inventory.save({
    stock: reservation.items.map((line) => ({
      productId: line.productId,
      movement: outcome.movement(line.quantity),
    })),
    reservation: {
      expected: reservation.status,
      next: { ...reservation, status: outcome.status, updatedAt: now.toISOString() },
    },
    events: outcome.events?.(now) ?? [],
    stamp: { cause, at: now },
  });
  if (saved === 'reservation-moved') throw reservationMoved(reservation.orderId);
  if (saved === 'stock-short') {
    // The reservation holds these units, so its stock always covers them; anything else is a defect.
    throw new Error(
      `The stock of reservation ${reservation.orderId} does not cover moving it to ${outcome.status}`,
    );
  }
}

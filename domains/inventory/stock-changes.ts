import type { CausalContext, EventEnvelope } from '../../events/envelope.js';
import { createEnvelope } from '../../events/envelope.js';
import { StockLevelChangedV1 } from '../../events/inventory/index.js';
import {
  InventoryChangedConcurrently,
  type Reservation,
  type ReservationStatus,
  type StockItem,
} from './model.js';
import type { Backoff, InventoryPorts, InventoryRepository, StockWrite } from './ports.js';

/** Attempts per use case before giving up; the caller retries the whole delivery or request. */
export const MAX_ATTEMPTS = 8;

/**
 * Runs a read-decide-write unit again, from a fresh read, while another writer got there first. After
 * MAX_ATTEMPTS the conflict is thrown: a consumer's delivery is retried, an HTTP caller gets a 409.
 */
export async function retryOnConflict<T>(backoff: Backoff, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof InventoryChangedConcurrently) || attempt >= MAX_ATTEMPTS) throw error;
      await backoff.pause(attempt);
    }
  }
}

/** Reads the stock items of the given products (consistently); unknown products are absent from the map. */
export async function readStock(
  inventory: InventoryRepository,
  productIds: ReadonlyArray<string>,
): Promise<Map<string, StockItem>> {
  const items = await Promise.all(productIds.map((productId) => inventory.getStock(productId)));
  return new Map(items.filter((item) => item !== undefined).map((item) => [item.productId, item]));
}

export function stockLevelChanged(item: StockItem, cause: CausalContext, now: Date): EventEnvelope {
  return createEnvelope(
    StockLevelChangedV1,
    {
      productId: item.productId,
      onHand: item.onHand,
      reserved: item.reserved,
      available: item.available,
      stockVersion: item.stockVersion,
      changedAt: item.updatedAt,
    },
    cause,
    { now },
  );
}

/**
 * Closes a reservation: applies `transition` to the stock of every reserved line, moves the reservation
 * to `status` and records `events` plus one StockLevelChanged per product, in one unit of work.
 */
export async function settleReservation(
  reservation: Reservation,
  outcome: {
    status: ReservationStatus;
    transition: (item: StockItem, quantity: number, now: Date) => StockItem;
    events?: (now: Date) => EventEnvelope[];
  },
  ports: InventoryPorts,
  cause: CausalContext,
): Promise<void> {
  const now = ports.clock.now();
  const stock = await readStock(
    ports.inventory,
    reservation.items.map((line) => line.productId),
  );
  const writes: StockWrite[] = reservation.items.map((line) => {
    const before = stock.get(line.productId);
    if (!before)
      throw new Error(`Reservation ${reservation.orderId} holds unknown product ${line.productId}`);
    return { before, after: outcome.transition(before, line.quantity, now) };
  });
  await ports.inventory.save({
    stock: writes,
    reservation: {
      before: reservation,
      after: { ...reservation, status: outcome.status, updatedAt: now.toISOString() },
    },
    events: [
      ...(outcome.events?.(now) ?? []),
      ...writes.map((write) => stockLevelChanged(write.after, cause, now)),
    ],
  });
}

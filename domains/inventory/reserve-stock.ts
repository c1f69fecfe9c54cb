import { createEnvelope, type EventEnvelope } from '../../events/envelope.js';
import { StockReservationFailedV1, StockReservedV1 } from '../../events/inventory/index.js';
import {
  causedBy,
  mergeLines,
  type Reservation,
  reserve,
  type StockItem,
  type StockLine,
  shortagesOf,
} from './model.js';
import type { InventoryPorts, StockWrite } from './ports.js';
import { readStock, retryOnConflict, stockLevelChanged } from './stock-changes.js';

/** What an order needs from inventory (a subset of OrderPlaced). */
export interface PlacedOrder {
  orderId: string;
  items: ReadonlyArray<StockLine>;
}

/** `decided-before`: the order already has a reservation record (a duplicate, or it was cancelled first). */
export type ReservationOutcome = 'reserved' | 'failed' | 'decided-before';

/**
 * Reserves every line of a placed order, or none: if any line is short (or unknown), nothing is reserved
 * and StockReservationFailed lists the short lines. Each product's stock is changed only if it is still at
 * the version just read, so concurrent orders never oversell; a lost race re-reads and decides again.
 */
export async function reserveStock(
  placed: EventEnvelope<PlacedOrder>,
  ports: InventoryPorts,
): Promise<ReservationOutcome> {
  const { orderId } = placed.data;
  const lines = mergeLines(placed.data.items);
  const cause = causedBy(placed);

  return retryOnConflict(ports.backoff, async () => {
    if (await ports.inventory.getReservation(orderId)) return 'decided-before';
    const stock = await readStock(
      ports.inventory,
      lines.map((line) => line.productId),
    );
    const now = ports.clock.now();
    const decided = (status: Reservation['status']): Reservation => ({
      orderId,
      status,
      items: lines,
      updatedAt: now.toISOString(),
    });

    const unavailable = shortagesOf(lines, stock);
    if (unavailable.length > 0) {
      await ports.inventory.save({
        stock: [],
        reservation: { before: undefined, after: decided('FAILED') },
        events: [
          createEnvelope(
            StockReservationFailedV1,
            { orderId, unavailable, failedAt: now.toISOString() },
            cause,
            { now },
          ),
        ],
      });
      return 'failed';
    }

    const writes: StockWrite[] = lines.map((line) => {
      // No line is short, so every product has a stock item.
      const before = stock.get(line.productId) as StockItem;
      return { before, after: reserve(before, line.quantity, now) };
    });
    await ports.inventory.save({
      stock: writes,
      reservation: { before: undefined, after: decided('ACTIVE') },
      events: [
        createEnvelope(StockReservedV1, { orderId, items: lines, reservedAt: now.toISOString() }, cause, {
          now,
        }),
        ...writes.map((write) => stockLevelChanged(write.after, cause, now)),
      ],
    });
    return 'reserved';
  });
}

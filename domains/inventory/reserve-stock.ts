import { causedBy, createEnvelope, type EventEnvelope } from '../../events/envelope.js';
import { StockReservationFailedV1, StockReservedV1 } from '../../events/inventory/index.js';
import {
  InventoryChangedConcurrently,
  mergeLines,
  type Reservation,
  reserve,
  type StockLine,
  shortagesOf,
} from './model.js';
import type { InventoryPorts } from './ports.js';
import { decideAgainIfMoved, readStock } from './settle-reservation.js';

/** What an order needs from inventory (a subset of OrderPlaced). */
export interface PlacedOrder {
  orderId: string;
  items: ReadonlyArray<StockLine>;
}

/** `decided-before`: the order already has a reservation record (a duplicate, or it was cancelled first). */
export type ReservationOutcome = 'reserved' | 'failed' | 'decided-before';

/**
 * Reserves every line of a placed order, or none:
 * 1. one atomic write takes each line's units from what is available at that moment (no read first, so
 *    a rush on one product serialises in the store instead of retrying), creates the ACTIVE reservation
 *    (unless the order has one already) and records StockReserved;
 * 2. if a line was short (or unknown), nothing was written: the stock is read to name the short lines,
 *    and the FAILED reservation is recorded with StockReservationFailed;
 * 3. if the read finds nothing short (units came back meanwhile), the order is decided again.
 */
export async function reserveStock(
  placed: EventEnvelope<PlacedOrder>,
  ports: InventoryPorts,
): Promise<ReservationOutcome> {
  const { orderId } = placed.data;
  const lines = mergeLines(placed.data.items);
  const cause = causedBy(placed);

  return decideAgainIfMoved(ports, async () => {
    const now = ports.clock.now();
    const stamp = { cause, at: now };
    const decided = (status: Reservation['status']): Reservation => ({
      orderId,
      status,
      items: lines,
      updatedAt: now.toISOString(),
    });

    const reserved = await ports.inventory.save({
      stock: lines.map((line) => ({ productId: line.productId, movement: reserve(line.quantity) })),
      reservation: { expected: undefined, next: decided('ACTIVE') },
      events: [
        createEnvelope(StockReservedV1, { orderId, items: lines, reservedAt: now.toISOString() }, cause, {
          now,
        }),
      ],
      stamp,
    });
    if (reserved === 'stored') return 'reserved';
    if (reserved === 'reservation-moved') return 'decided-before';

    const stock = await readStock(
      ports.inventory,
      lines.map((line) => line.productId),
    );
    const unavailable = shortagesOf(lines, stock);
    if (unavailable.length === 0) {
      throw new InventoryChangedConcurrently(`Stock came back while order ${orderId} was refused.`);
    }
    const failed = await ports.inventory.save({
      stock: [],
      reservation: { expected: undefined, next: decided('FAILED') },
      events: [
        createEnvelope(
          StockReservationFailedV1,
          { orderId, unavailable, failedAt: now.toISOString() },
          cause,
          { now },
        ),
      ],
      stamp,
    });
    return failed === 'stored' ? 'failed' : 'decided-before';
  });
}

import { causedBy, createEnvelope, type EventEnvelope } from '../../events/envelope.js';
import { StockReleasedV1 } from '../../events/inventory/index.js';
import { release, restock, type StockMovement } from './model.js';
import type { InventoryPorts } from './ports.js';
import { decideAgainIfMoved, reservationMoved, settleReservation } from './settle-reservation.js';

/** What a cancellation needs from inventory (a subset of OrderCancelled). */
export interface CancelledOrder {
  orderId: string;
  /** The order had been confirmed: its stock was sold and must come back on hand. */
  wasConfirmed: boolean;
}

/**
 * `released`: reserved units are orderable again; `returned`: sold units are back on hand;
 * `tombstoned`: the cancellation overtook the placement, which will now reserve nothing;
 * `nothing-to-do`: already released, returned, failed or cancelled.
 */
export type CancellationOutcome = 'released' | 'returned' | 'tombstoned' | 'nothing-to-do';

/** Undoes what inventory did for a cancelled order, whatever order the saga's events arrive in. */
export async function releaseStock(
  cancelled: EventEnvelope<CancelledOrder>,
  ports: InventoryPorts,
): Promise<CancellationOutcome> {
  const { orderId, wasConfirmed } = cancelled.data;
  const cause = causedBy(cancelled);

  return decideAgainIfMoved(ports, async () => {
    const reservation = await ports.inventory.getReservation(orderId);
    if (!reservation) {
      const now = ports.clock.now();
      const tombstone = await ports.inventory.save({
        stock: [],
        reservation: {
          expected: undefined,
          next: { orderId, status: 'CANCELLED', items: [], updatedAt: now.toISOString() },
        },
        events: [],
        stamp: { cause, at: now },
      });
      if (tombstone !== 'stored') throw reservationMoved(orderId);
      return 'tombstoned';
    }

    const giveBack = (status: 'RELEASED' | 'RETURNED', movement: (quantity: number) => StockMovement) =>
      settleReservation(
        reservation,
        {
          status,
          movement,
          events: (now) => [
            createEnvelope(
              StockReleasedV1,
              { orderId, items: reservation.items, releasedAt: now.toISOString() },
              cause,
              { now },
            ),
          ],
        },
        ports,
        cause,
      );

    // An ACTIVE reservation of a confirmed order means the cancellation overtook the confirmation here:
    // releasing it leaves the stock exactly as selling and returning it would.
    if (reservation.status === 'ACTIVE') {
      await giveBack('RELEASED', release);
      return 'released';
    }
    if (reservation.status === 'SOLD' && wasConfirmed) {
      await giveBack('RETURNED', restock);
      return 'returned';
    }
    return 'nothing-to-do';
  });
}

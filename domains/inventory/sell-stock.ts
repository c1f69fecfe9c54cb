import { causedBy, type EventEnvelope } from '../../events/envelope.js';
import { sell } from './model.js';
import type { InventoryPorts } from './ports.js';
import { decideAgainIfMoved, settleReservation } from './settle-reservation.js';

/** What a confirmation needs from inventory (a subset of OrderConfirmed). */
export interface ConfirmedOrder {
  orderId: string;
}

/** `nothing-to-do`: no ACTIVE reservation (a duplicate, or the order was released or never reserved). */
export type SaleOutcome = 'sold' | 'nothing-to-do';

/** A confirmed order's reservation becomes a sale: the units leave the shelf, availability is unchanged. */
export async function sellStock(
  confirmed: EventEnvelope<ConfirmedOrder>,
  ports: InventoryPorts,
): Promise<SaleOutcome> {
  const cause = causedBy(confirmed);
  return decideAgainIfMoved(ports, async () => {
    const reservation = await ports.inventory.getReservation(confirmed.data.orderId);
    if (reservation?.status !== 'ACTIVE') return 'nothing-to-do';
    await settleReservation(reservation, { status: 'SOLD', movement: sell }, ports, cause);
    return 'sold';
  });
}

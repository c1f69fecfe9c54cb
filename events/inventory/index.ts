import { eventsOf } from '../envelope.js';
import { aggregateVersion, id, timestamp } from '../fields.js';
import * as z from '../zod.js';

export const INVENTORY_PRODUCER = 'inventory';

const inventoryEvent = eventsOf(INVENTORY_PRODUCER);

const reservedLineSchema = z.looseObject({ productId: id, quantity: z.int().check(z.positive()) });

/** The stock of an order, as it is reserved and, on cancellation, released. */
const orderStock = { orderId: id, items: z.array(reservedLineSchema).check(z.minLength(1)) };

/** A number of units in stock (on hand, reserved or available): never negative. */
const units = z.int().check(z.nonnegative());

export const StockReservedV1 = inventoryEvent('StockReserved', 1, { ...orderStock, reservedAt: timestamp });

export const StockReservationFailedV1 = inventoryEvent('StockReservationFailed', 1, {
  orderId: id,
  /** The lines that could not be served; nothing of the order was reserved. */
  unavailable: z.array(
    z.looseObject({ productId: id, requested: z.int().check(z.positive()), available: units }),
  ),
  failedAt: timestamp,
});

export const StockReleasedV1 = inventoryEvent('StockReleased', 1, { ...orderStock, releasedAt: timestamp });

/**
 * Published on every change of a product's stock up to v2's release; `stockVersion` lets projections drop
 * stale updates. Still read: events stored or archived before v2 are replayed.
 */
export const StockLevelChangedV1 = inventoryEvent('StockLevelChanged', 1, {
  productId: id,
  onHand: units,
  reserved: units,
  available: units,
  stockVersion: aggregateVersion,
  changedAt: timestamp,
});

/**
 * Published when a product's orderable units change: a stock count, a reservation, a release, a return. A
 * sale publishes nothing: it takes units that were reserved off the shelf, and `available` stays as it
 * was. Hence no `onHand` or `reserved` any more (v1 had them): a figure that changes without an event
 * would be wrong as soon as it was read. `stockVersion` still grows with every change, sales included, so
 * versions of consecutive events may skip numbers; projections only compare them.
 */
export const StockLevelChangedV2 = inventoryEvent('StockLevelChanged', 2, {
  productId: id,
  available: units,
  stockVersion: aggregateVersion,
  changedAt: timestamp,
});

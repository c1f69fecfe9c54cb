import * as z from 'zod';
import { defineEvent } from '../envelope.js';

export const INVENTORY_PRODUCER = 'inventory';

const reservedLineSchema = z.looseObject({ productId: z.string().min(1), quantity: z.int().positive() });

export const StockReservedV1 = defineEvent({
  type: 'StockReserved',
  version: 1,
  producer: INVENTORY_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    items: z.array(reservedLineSchema).min(1),
    reservedAt: z.iso.datetime({ offset: true }),
  }),
});

export const StockReservationFailedV1 = defineEvent({
  type: 'StockReservationFailed',
  version: 1,
  producer: INVENTORY_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    /** The lines that could not be served; nothing of the order was reserved. */
    unavailable: z.array(
      z.looseObject({
        productId: z.string().min(1),
        requested: z.int().positive(),
        available: z.int().nonnegative(),
      }),
    ),
    failedAt: z.iso.datetime({ offset: true }),
  }),
});

export const StockReleasedV1 = defineEvent({
  type: 'StockReleased',
  version: 1,
  producer: INVENTORY_PRODUCER,
  data: z.looseObject({
    orderId: z.string().min(1),
    items: z.array(reservedLineSchema).min(1),
    releasedAt: z.iso.datetime({ offset: true }),
  }),
});

/** Published on every change of a product's stock; `stockVersion` lets projections drop stale updates. */
export const StockLevelChangedV1 = defineEvent({
  type: 'StockLevelChanged',
  version: 1,
  producer: INVENTORY_PRODUCER,
  data: z.looseObject({
    productId: z.string().min(1),
    onHand: z.int().nonnegative(),
    reserved: z.int().nonnegative(),
    available: z.int().nonnegative(),
    stockVersion: z.int().positive(),
    changedAt: z.iso.datetime({ offset: true }),
  }),
});

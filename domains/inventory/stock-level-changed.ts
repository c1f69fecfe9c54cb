import { createHash } from 'node:crypto';
import { type CausalContext, createEnvelope, type EventEnvelope } from '../../events/envelope.js';
import { StockLevelChangedV2 } from '../../events/inventory/index.js';
import type { StockItem } from './model.js';

/**
 * The id of the change that brought a product's stock to `stockVersion`: a UUID-formatted hash (RFC 9562
 * version 8, "custom"), so the same change published twice (a stream record relayed again) keeps its id
 * and consumers drop the duplicate.
 */
export function stockChangeId(productId: string, stockVersion: number): string {
  const hex = createHash('sha256').update(`StockLevelChanged|${productId}|${stockVersion}`).digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * StockLevelChanged (v2) of a stock item as it was stored: the figures an atomic update produced are known
 * only afterwards, so the event is made from the stored item (its stream record) and the cause that the
 * same update wrote onto it. Made only for a change that moved availability (see movesAvailability).
 */
export function stockLevelChanged(item: StockItem, cause: CausalContext): EventEnvelope {
  return createEnvelope(
    StockLevelChangedV2,
    {
      productId: item.productId,
      available: item.available,
      stockVersion: item.stockVersion,
      changedAt: item.updatedAt,
    },
    cause,
    { eventId: stockChangeId(item.productId, item.stockVersion), now: new Date(item.updatedAt) },
  );
}

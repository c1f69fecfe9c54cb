import type { RelayedEvent } from '../../../shared/outbox/relay.js';
import { stockLevelChanged } from '../stock-level-changed.js';
import { STOCK, type StoredStockItem, toStockItem } from './dynamodb-inventory-repository.js';

/**
 * What a stored item of the inventory table publishes from its own stream record (NEW_IMAGE of an INSERT
 * or MODIFY): a stock item whose write moved availability its StockLevelChanged, made from the figures
 * the atomic update produced and the cause it wrote; after a sale, nothing. An item written before stock
 * items carried their cause published its change through the outbox, so it publishes nothing here; other
 * items publish only through the outbox.
 */
export function stockItemEvents(image: Record<string, unknown>): RelayedEvent[] {
  const item = image as Partial<StoredStockItem>;
  if (item.entityType !== STOCK || !item.lastCause || !item.eventSource) return [];
  if (item.movedAvailability === false) return [];
  const { traceHeader, ...cause } = item.lastCause;
  return [{ source: item.eventSource, envelope: stockLevelChanged(toStockItem(image), cause), traceHeader }];
}

import { stockItemEvents } from '../../domains/inventory/adapters/stock-stream.js';
import { outboxRelayHandler } from '../../shared/outbox/relay.js';

/** The inventory's outbox, and each stock item's StockLevelChanged from the item's own stream record. */
export const handler = outboxRelayHandler({ derive: stockItemEvents });

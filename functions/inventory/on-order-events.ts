import { releaseStock } from '../../domains/inventory/release-stock.js';
import { reserveStock } from '../../domains/inventory/reserve-stock.js';
import { OrderCancelledV1, OrderPlacedV1, OrderPlacedV2 } from '../../events/orders/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { eventConsumer } from '../../shared/consumers/event-consumer.js';
import { logger } from '../../shared/observability.js';
import { inventoryPorts } from './dependencies.js';

const report = (orderId: string) => (outcome: string) =>
  logger.info('Inventory updated', { orderId, outcome });

/**
 * The order saga's steps in inventory that move availability: reserve on placement, give back on cancel
 * (the sale on confirmation is inventorySellConfirmedOrders'). OrderPlaced v1 is still read: events stored
 * or archived before v2 are replayed. A redelivered event changes nothing: a reservation is created only
 * if the order has none, and released only from the status it was read in (`decided-before`,
 * `nothing-to-do`).
 */
export const handler = eventConsumer([
  on(OrderPlacedV2, (event) => reserveStock(event, inventoryPorts()).then(report(event.data.orderId))),
  on(OrderPlacedV1, (event) => reserveStock(event, inventoryPorts()).then(report(event.data.orderId))),
  on(OrderCancelledV1, (event) => releaseStock(event, inventoryPorts()).then(report(event.data.orderId))),
]);

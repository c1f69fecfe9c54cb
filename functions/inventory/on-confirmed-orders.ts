import { sellStock } from '../../domains/inventory/sell-stock.js';
import { OrderConfirmedV1 } from '../../events/orders/index.js';
import { on } from '../../shared/consumers/bus-event.js';
import { sqsBatchEventConsumer } from '../../shared/consumers/sqs-batch.js';
import { logger } from '../../shared/observability.js';
import { inventoryPorts } from './dependencies.js';

/**
 * A confirmed order's reservation becomes a sale. The sale leaves `available` as it was (the units were
 * already held back), so no customer or saga step waits on it: it reaches inventory in batches through
 * its own queue, a second late at most. Delivery order does not matter: only an ACTIVE reservation is
 * sold, and a cancellation that overtook the confirmation already released it (`nothing-to-do`).
 */
export const handler = sqsBatchEventConsumer([
  on(OrderConfirmedV1, async (event) => {
    const outcome = await sellStock(event, inventoryPorts());
    logger.info('Inventory updated', { orderId: event.data.orderId, outcome });
  }),
]);

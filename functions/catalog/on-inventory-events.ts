import { DynamoDbProductAvailability } from '../../domains/catalog/adapters/dynamodb-product-availability.js';
import { projectStockLevel, type StockLevelReport } from '../../domains/catalog/project-stock-level.js';
import { StockLevelChangedV1, StockLevelChangedV2 } from '../../events/inventory/index.js';
import { dynamoDb } from '../../shared/aws/clients.js';
import { requiredEnv } from '../../shared/config.js';
import { on } from '../../shared/consumers/bus-event.js';
import { sqsBatchEventConsumer } from '../../shared/consumers/sqs-batch.js';
import { logger } from '../../shared/observability.js';

let availability: DynamoDbProductAvailability | undefined;

async function project(report: StockLevelReport): Promise<void> {
  availability ??= new DynamoDbProductAvailability(dynamoDb(), requiredEnv('CATALOG_TABLE_NAME'));
  const { productId, stockVersion } = report;
  const outcome = await projectStockLevel(report, { availability });
  if (outcome === 'unknown-product') {
    logger.warn('Ignoring stock of a product the catalog does not know', { productId, stockVersion });
  } else {
    logger.info('Stock level projected', { productId, stockVersion, outcome });
  }
}

/**
 * Inventory's stock levels, projected onto the products' `available` figure. A redelivered report is
 * `stale`: the write is conditional on a newer stock version. v1 is still read: events stored or archived
 * before v2 are replayed.
 */
export const handler = sqsBatchEventConsumer([
  on(StockLevelChangedV2, (event) => project(event.data)),
  on(StockLevelChangedV1, (event) => project(event.data)),
]);

import { DynamoDbProductRepository } from '../../domains/catalog/adapters/dynamodb-product-repository.js';
import { SqsPriceChangeQueue } from '../../domains/catalog/adapters/sqs-price-change-queue.js';
import { dynamoDb, sqs } from '../../shared/aws/clients.js';
import { systemClock as clock } from '../../shared/clock.js';
import { requiredEnv } from '../../shared/config.js';

/** The time every use case of this domain reads. */
export { clock };

/** The catalog's composition root: adapters are built once per execution environment, on first use. */
let products: DynamoDbProductRepository | undefined;
let priceChanges: SqsPriceChangeQueue | undefined;

export function productRepository(): DynamoDbProductRepository {
  products ??= new DynamoDbProductRepository(
    dynamoDb(),
    requiredEnv('CATALOG_TABLE_NAME'),
    requiredEnv('EVENT_SOURCE'),
  );
  return products;
}

export function priceChangeQueue(): SqsPriceChangeQueue {
  priceChanges ??= new SqsPriceChangeQueue(sqs(), requiredEnv('PRICE_CHANGES_QUEUE_URL'));
  return priceChanges;
}

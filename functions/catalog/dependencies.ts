// The catalog's composition root: adapters are built once per execution environment, on first use.
import { DynamoDbProductRepository } from '../../domains/catalog/adapters/dynamodb-product-repository.js';
import { SqsPriceChangeQueue } from '../../domains/catalog/adapters/sqs-price-change-queue.js';
import { dynamoDb, sqs } from '../../shared/aws/clients.js';
import { systemClock as clock } from '../../shared/clock.js';
import { requiredEnv } from '../../shared/config.js';
import { onFirstUse } from '../../shared/lazy.js';

/** The time every use case of this domain reads. */
export { clock };

export const productRepository = /* @__PURE__ */ onFirstUse(
  (): DynamoDbProductRepository =>
    new DynamoDbProductRepository(dynamoDb(), requiredEnv('CATALOG_TABLE_NAME'), requiredEnv('EVENT_SOURCE')),
);

export const priceChangeQueue = /* @__PURE__ */ onFirstUse(
  (): SqsPriceChangeQueue => new SqsPriceChangeQueue(sqs(), requiredEnv('PRICE_CHANGES_QUEUE_URL')),
);

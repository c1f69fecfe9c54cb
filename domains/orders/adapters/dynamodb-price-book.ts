import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Money } from '../../../events/money.js';
import type { PriceBook, ProjectedPrice } from '../ports.js';

const PRICE = 'PRICE';
const BATCH_GET_MAX_KEYS = 100;
const BATCH_GET_ATTEMPTS = 5;

const priceKey = (productId: string) => ({ pk: `PRICE#${productId}`, sk: PRICE });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The projection of catalog prices, kept in the orders table next to the orders it prices. */
export class DynamoDbPriceBook implements PriceBook {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async pricesOf(productIds: readonly string[]): Promise<Map<string, Money>> {
    const prices = new Map<string, Money>();
    for (let start = 0; start < productIds.length; start += BATCH_GET_MAX_KEYS) {
      let keys: Record<string, unknown>[] | undefined = productIds
        .slice(start, start + BATCH_GET_MAX_KEYS)
        .map(priceKey);
      for (let attempt = 1; keys?.length; attempt++) {
        if (attempt > BATCH_GET_ATTEMPTS) throw new Error('Prices could not be read: DynamoDB is throttling');
        if (attempt > 1) await sleep(25 * 2 ** attempt);
        const result: BatchGetCommandOutput = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: keys,
                ConsistentRead: true,
                ProjectionExpression: 'productId, #price',
                ExpressionAttributeNames: { '#price': 'price' },
              },
            },
          }),
        );
        for (const item of result.Responses?.[this.tableName] ?? []) {
          prices.set(String(item.productId), item.price as Money);
        }
        keys = result.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return prices;
  }

  async record(price: ProjectedPrice): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...priceKey(price.productId), entityType: PRICE, ...price },
          ConditionExpression: 'attribute_not_exists(pk) OR priceVersion < :version',
          ExpressionAttributeValues: { ':version': price.priceVersion },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

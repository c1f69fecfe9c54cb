import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../../../events/envelope.js';
import { AggregateRepository } from '../../../shared/dynamodb/aggregate-repository.js';
import { decodeCursor, encodeCursor } from '../../../shared/dynamodb/cursor.js';
import { ConflictError } from '../../../shared/errors.js';
import { failedConditions, sendWithEvents } from '../../../shared/outbox/transaction.js';
import { type Product, ProductAlreadyExists } from '../model.js';
import type { ProductPage, ProductRepository } from '../ports.js';

const PRODUCT_LIST_INDEX = 'byEntityType';
const ENTITY_TYPE = 'PRODUCT';

interface ProductItem extends Product {
  pk: string;
  sk: string;
  entityType: typeof ENTITY_TYPE;
}

export const keyOf = (productId: string) => ({ pk: `PRODUCT#${productId}`, sk: ENTITY_TYPE });

function toItem(product: Product): ProductItem {
  return { ...keyOf(product.productId), entityType: ENTITY_TYPE, ...product };
}

function toProduct(item: Record<string, unknown>): Product {
  const { pk: _pk, sk: _sk, entityType: _type, ...product } = item as unknown as ProductItem;
  return product;
}

/** Only a key this repository could have produced is passed on to DynamoDB. */
function acceptListKey(key: Record<string, unknown> | null) {
  if (
    typeof key?.productId === 'string' &&
    key.pk === keyOf(key.productId).pk &&
    key.sk === ENTITY_TYPE &&
    key.entityType === ENTITY_TYPE
  ) {
    return { pk: key.pk, sk: key.sk, entityType: key.entityType, productId: key.productId };
  }
  return undefined;
}

function conditionFailedAt(error: unknown, index: number): boolean {
  return failedConditions(error).includes(index);
}

export class ProductVersionConflict extends ConflictError {
  override readonly code = 'product-version-conflict';
}

/** Products and their outbox live in the catalog's own table; a GSI on entityType lists products. */
export class DynamoDbProductRepository extends AggregateRepository<Product> implements ProductRepository {
  protected readonly item = { keyOf, toAggregate: toProduct };

  async list(page: { limit: number; cursor?: string }): Promise<ProductPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: PRODUCT_LIST_INDEX,
        KeyConditionExpression: 'entityType = :type',
        ExpressionAttributeValues: { ':type': ENTITY_TYPE },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, acceptListKey),
      }),
    );
    return { items: (result.Items ?? []).map(toProduct), nextCursor: encodeCursor(result.LastEvaluatedKey) };
  }

  async create(product: Product, events: EventEnvelope[]): Promise<void> {
    try {
      await sendWithEvents(
        this.client,
        this.outbox,
        [
          {
            Put: {
              TableName: this.tableName,
              Item: toItem(product),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
        events,
      );
    } catch (error) {
      if (conditionFailedAt(error, 0)) throw new ProductAlreadyExists(product.productId);
      throw error;
    }
  }

  /**
   * Updates the price's own attributes only, never the whole item: a stock projection that lands between
   * the read and this write (DynamoDbProductAvailability, which updates `available` and `stockVersion`
   * only) is kept whatever the order, so neither write can erase the other.
   */
  async savePriceChange(next: Product, expectedPriceVersion: number, events: EventEnvelope[]): Promise<void> {
    try {
      await sendWithEvents(
        this.client,
        this.outbox,
        [
          {
            Update: {
              TableName: this.tableName,
              Key: keyOf(next.productId),
              UpdateExpression: 'SET price = :price, priceVersion = :priceVersion, updatedAt = :updatedAt',
              ConditionExpression: 'priceVersion = :expected',
              ExpressionAttributeValues: {
                ':price': next.price,
                ':priceVersion': next.priceVersion,
                ':updatedAt': next.updatedAt,
                ':expected': expectedPriceVersion,
              },
            },
          },
        ],
        events,
      );
    } catch (error) {
      if (conditionFailedAt(error, 0)) {
        throw new ProductVersionConflict(
          `Product ${next.productId} changed concurrently; the change will be retried.`,
        );
      }
      throw error;
    }
  }
}

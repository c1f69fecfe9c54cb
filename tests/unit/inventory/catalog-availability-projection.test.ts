import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbProductAvailability } from '../../../domains/catalog/adapters/dynamodb-product-availability.js';
import { DynamoDbProductRepository } from '../../../domains/catalog/adapters/dynamodb-product-repository.js';
import type { Product } from '../../../domains/catalog/model.js';
import {
  type AvailabilityOutcome,
  type ProductAvailability,
  projectStockLevel,
  type StockLevelReport,
} from '../../../domains/catalog/project-stock-level.js';
import { writesSent } from '../shared/dynamodb-writes.js';

/*
 * The catalog's projection of inventory's StockLevelChanged onto products' `available` (kept here, with
 * the inventory work that introduced it).
 */

const TABLE = 'commerce-test-catalog';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

/** Products' availability in memory, with the same version rule as the DynamoDB condition. */
class InMemoryAvailability implements ProductAvailability {
  constructor(readonly products: Map<string, { available: number; stockVersion?: number }>) {}
  async apply(report: StockLevelReport): Promise<AvailabilityOutcome> {
    const product = this.products.get(report.productId);
    if (!product) return 'unknown-product';
    if (product.stockVersion !== undefined && product.stockVersion >= report.stockVersion) return 'stale';
    this.products.set(report.productId, { available: report.available, stockVersion: report.stockVersion });
    return 'applied';
  }
}

const report = (stockVersion: number, available: number): StockLevelReport => ({
  productId: 'espresso-cup',
  available,
  stockVersion,
});

function conditionFailed(item?: Record<string, unknown>) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(item ? { Item: item as never } : {}),
  });
}

beforeEach(() => {
  ddb.reset();
});

describe('projectStockLevel', () => {
  it('keeps the newest report whatever order reports arrive in, and ignores duplicates', async () => {
    // given a product never projected
    const products = new Map([['espresso-cup', { available: 0 }]]);
    const ports = { availability: new InMemoryAvailability(products) };

    // when versions 2, 4, 3 and 4 again arrive
    const outcomes = [
      await projectStockLevel(report(2, 8), ports),
      await projectStockLevel(report(4, 5), ports),
      await projectStockLevel(report(3, 6), ports),
      await projectStockLevel(report(4, 5), ports),
    ];

    // then version 4 wins, the late and the repeated ones are dropped
    expect(outcomes).toEqual(['applied', 'applied', 'stale', 'stale']);
    expect(products.get('espresso-cup')).toEqual({ available: 5, stockVersion: 4 });
  });

  it('ignores stock of a product the catalog does not know', async () => {
    const ports = { availability: new InMemoryAvailability(new Map()) };
    expect(await projectStockLevel(report(1, 3), ports)).toBe('unknown-product');
  });
});

describe('DynamoDbProductAvailability', () => {
  const availability = new DynamoDbProductAvailability(client, TABLE);

  it('updates only available and stockVersion of an existing product, if the report is newer', async () => {
    ddb.on(UpdateCommand).resolves({});

    expect(await availability.apply(report(7, 4))).toBe('applied');

    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: 'PRODUCT#espresso-cup', sk: 'PRODUCT' },
      UpdateExpression: 'SET available = :available, stockVersion = :stockVersion',
      ConditionExpression:
        'attribute_exists(pk) AND (attribute_not_exists(stockVersion) OR stockVersion < :stockVersion)',
      ExpressionAttributeValues: { ':available': 4, ':stockVersion': 7 },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('reports a stale report when the product is there but the condition failed', async () => {
    ddb
      .on(UpdateCommand)
      .rejects(conditionFailed({ pk: { S: 'PRODUCT#espresso-cup' }, stockVersion: { N: '9' } }));
    expect(await availability.apply(report(7, 4))).toBe('stale');
  });

  it('reports an unknown product when the condition failed on no item', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    expect(await availability.apply(report(7, 4))).toBe('unknown-product');
  });

  it('writes again when a price change transaction held the product (TransactionConflictException)', async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(new TransactionConflictException({ message: 'Transaction is ongoing', $metadata: {} }))
      .resolvesOnce({});

    expect(await availability.apply(report(7, 4))).toBe('applied');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(2);
  });

  it('lets other failures through, so the delivery is retried', async () => {
    ddb.on(UpdateCommand).rejects(new Error('throttled'));
    await expect(availability.apply(report(7, 4))).rejects.toThrow('throttled');
  });
});

describe('price changes next to the projection', () => {
  const repository = new DynamoDbProductRepository(client, TABLE, 'commerce.catalog');
  const product: Product = {
    productId: 'espresso-cup',
    name: 'Espresso cup',
    description: '',
    price: { amount: 1500, currency: 'EUR' },
    available: 4,
    stockVersion: 7,
    priceVersion: 2,
    createdAt: '2026-11-22T09:00:00.000Z',
    updatedAt: '2026-11-22T10:00:00.000Z',
  };

  it('leave the stock projection alone: the price write names neither available nor stockVersion', async () => {
    ddb.on(UpdateCommand).resolves({});

    await repository.savePriceChange(product, 1, []);

    // then a stock report applied between the read and the write is neither undone nor a conflict
    const write = writesSent(ddb)[0]?.[0];
    expect(write?.Put).toBeUndefined();
    expect(write?.Update).toMatchObject({
      UpdateExpression: 'SET price = :price, priceVersion = :priceVersion, updatedAt = :updatedAt',
      ConditionExpression: 'priceVersion = :expected',
    });
    expect(JSON.stringify(write)).not.toMatch(/available|stockVersion/);
  });
});

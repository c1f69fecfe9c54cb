import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { retryOnConflict } from '../../../shared/dynamodb/retry-on-conflict.js';
import type { AvailabilityOutcome, ProductAvailability, StockLevelReport } from '../project-stock-level.js';
import { keyOf } from './dynamodb-product-repository.js';

/**
 * Updates only `available` and `stockVersion` of a product item, so it never races the product's other
 * fields. DynamoDB checks the version: a product never projected takes any report, otherwise only a newer
 * stockVersion is applied.
 */
export class DynamoDbProductAvailability implements ProductAvailability {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async apply(report: StockLevelReport): Promise<AvailabilityOutcome> {
    try {
      // A price change's transaction on the same product makes this write fail with a transaction
      // conflict: it is sent again under the shared policy.
      await retryOnConflict(() =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: keyOf(report.productId),
            UpdateExpression: 'SET available = :available, stockVersion = :stockVersion',
            ConditionExpression:
              'attribute_exists(pk) AND (attribute_not_exists(stockVersion) OR stockVersion < :stockVersion)',
            ExpressionAttributeValues: {
              ':available': report.available,
              ':stockVersion': report.stockVersion,
            },
            // Tells a stale report (the product is there) from an unknown product without another read.
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      );
      return 'applied';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return error.Item ? 'stale' : 'unknown-product';
      throw error;
    }
  }
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * `npm run bench` only (stage bench): the baseline GET /products is compared with. It does the same
 * DynamoDB query as the real route, with the bare SDK and nothing else — no middleware, no validation,
 * no domain — served by the same offline stack, so the difference is what our code costs.
 */
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => {
  const result = await client.send(
    new QueryCommand({
      TableName: process.env.CATALOG_TABLE_NAME,
      IndexName: 'byEntityType',
      KeyConditionExpression: 'entityType = :type',
      ExpressionAttributeValues: { ':type': 'PRODUCT' },
      Limit: 20,
    }),
  );
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: result.Items ?? [], nextCursor: null }),
  };
};

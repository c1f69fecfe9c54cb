import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * `npm run bench`, initRatio baseline: a bare handler importing the SDK clients our heaviest handler
 * (ordersPlaceOrder: the DynamoDB document client, and KMS to seal the card token) uses, creating them on
 * first invocation as shared/aws/clients.ts does, with no middleware, logger, tracer or schemas. Bundled by
 * scripts/bench/run.ts with the same esbuild options and aliases as serverless.yml.
 */
// biome-ignore lint/correctness/noUnusedVariables: held like the real handler holds its clients, never read
let clients: unknown[] | undefined;

export const handler = async (event: { Records?: unknown[] }) => {
  clients ??= [DynamoDBDocumentClient.from(new DynamoDBClient({})), new KMSClient({})];
  return { batchItemFailures: (event.Records ?? []).map(() => ({ itemIdentifier: '' })).slice(0, 0) };
};

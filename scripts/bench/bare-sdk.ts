import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * `npm run bench`, initRatio baseline: a bare handler importing the SDK clients our heaviest handler
 * (paymentsHandleEvents: DynamoDB document client, Secrets Manager through Powertools parameters) uses,
 * creating them on first invocation as shared/aws/clients.ts does, with no middleware, logger or schemas.
 * Bundled by scripts/bench/run.ts with the same esbuild options as serverless.yml.
 */
// biome-ignore lint/correctness/noUnusedVariables: held like the real handler holds its clients, never read
let clients: unknown[] | undefined;

export const handler = async (event: { Records?: unknown[] }) => {
  clients ??= [DynamoDBDocumentClient.from(new DynamoDBClient({})), new SecretsManagerClient({})];
  return { batchItemFailures: (event.Records ?? []).map(() => ({ itemIdentifier: '' })).slice(0, 0) };
};

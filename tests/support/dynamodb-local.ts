import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parse as parseYaml } from 'yaml';
import { startDynamoDbLocal } from '../../scripts/local-cloud/dynamodb-local.mjs';
import { freePort } from '../integration/local-cloud/harness.js';

const ROOT = join(import.meta.dirname, '..', '..');

export interface TestDynamoDb {
  endpoint: string;
  raw: DynamoDBClient;
  dynamo: DynamoDBDocumentClient;
  /** Creates `tableName` with the keys and indexes of `logicalId` in domains/<domain>/resources.yml. */
  createTableLike(domain: string, logicalId: string, tableName: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A DynamoDB Local of its own on a free port, for the tests of the operator scripts (`npm run scrub`,
 * `eventstore:migrate`, `outbox:republish`), whose tables are made from the domains' own resources.yml,
 * so a test always runs against the keys and indexes that deploy.
 */
export async function startTestDynamoDb(): Promise<TestDynamoDb> {
  const workDir = mkdtempSync(join(tmpdir(), 'dynamodb-test-'));
  const database = await startDynamoDbLocal({
    port: await freePort(),
    pidFile: join(workDir, 'dynamodb.pid'),
    log: () => undefined,
  });
  const raw = new DynamoDBClient({
    endpoint: database.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint: database.endpoint,
    raw,
    dynamo: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
    async createTableLike(domain, logicalId, tableName) {
      const { Properties } = parseYaml(readFileSync(join(ROOT, 'domains', domain, 'resources.yml'), 'utf8'))
        .Resources[logicalId];
      await raw.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: Properties.AttributeDefinitions,
          KeySchema: Properties.KeySchema,
          GlobalSecondaryIndexes: Properties.GlobalSecondaryIndexes,
        }),
      );
    },
    async stop() {
      raw.destroy();
      await database.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

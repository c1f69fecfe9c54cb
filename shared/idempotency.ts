import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { requiredEnv } from './config.js';

let persistenceStore: DynamoDBPersistenceLayer | undefined;

function store(): DynamoDBPersistenceLayer {
  persistenceStore ??= new DynamoDBPersistenceLayer({ tableName: requiredEnv('IDEMPOTENCY_TABLE_NAME') });
  return persistenceStore;
}

export interface IdempotentWork<Input> {
  /** What makes two deliveries the same: an event id, a command id. */
  key: string;
  input: Input;
}

/**
 * Runs `work` at most once per key (Powertools idempotency backed by the DynamoDB idempotency table):
 * a redelivered message with a key already completed returns the stored result without side effects.
 */
export function idempotentWork<Input, Result>(
  work: (input: Input) => Promise<Result>,
  options: { expiresAfterSeconds?: number } = {},
) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: options.expiresAfterSeconds ?? 7 * 24 * 3600,
  });
  let idempotent: ((item: IdempotentWork<Input>) => Promise<Result>) | undefined;
  return {
    registerContext(context: Context) {
      config.registerLambdaContext(context);
    },
    run(item: IdempotentWork<Input>): Promise<Result> {
      idempotent ??= makeIdempotent((unit: IdempotentWork<Input>) => work(unit.input), {
        persistenceStore: store(),
        config,
      });
      return idempotent(item);
    },
  };
}

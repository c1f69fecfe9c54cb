import { type DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, migrateEventStore } from '../../scripts/eventstore-migrate.mjs';
import { startTestDynamoDb, type TestDynamoDb } from '../support/dynamodb-local.js';

/**
 * `npm run eventstore:migrate` against DynamoDB Local, on both event stores created from
 * domains/eventstore/resources.yml: the first store's history lands in the store keyed by correlation id,
 * where both lookups find it, and nothing the live appender stored first is rewritten.
 */
const LEGACY = 'commerce-itmigrate-event-store';
const STORE = 'commerce-itmigrate-event-store-v2';
let database: TestDynamoDb | undefined;
let dynamo: DynamoDBDocumentClient;

const stored = (eventId: string, correlationId: string, orderId: string, time = '2026-11-01T10:00:01Z') => ({
  eventId,
  eventType: 'OrderPlaced',
  eventVersion: 2,
  occurredAt: '2026-11-01T10:00:00.000Z',
  occurredAtEventId: `2026-11-01T10:00:00.000Z#${eventId}`,
  correlationId,
  aggregateId: orderId,
  time,
  event: { id: eventId, time, detail: { metadata: { eventId, correlationId }, data: { orderId } } },
});

const byCorrelation = async (correlationId: string) =>
  (
    await dynamo.send(
      new QueryCommand({
        TableName: STORE,
        KeyConditionExpression: 'correlationId = :c',
        ExpressionAttributeValues: { ':c': correlationId },
      }),
    )
  ).Items ?? [];

beforeAll(async () => {
  database = await startTestDynamoDb();
  dynamo = database.dynamo;
  await database.createTableLike('eventstore', 'EventStoreTable', LEGACY);
  await database.createTableLike('eventstore', 'EventStoreTableV2', STORE);
  for (const item of [
    stored('e-1', 'req-1', 'ord-1'),
    stored('e-2', 'req-1', 'ord-1'),
    stored('e-3', 'req-2', 'ord-2'),
    { eventId: 'not-an-event' },
  ]) {
    await dynamo.send(new PutCommand({ TableName: LEGACY, Item: item }));
  }
  // the live appender stored e-3 already, from a later delivery with its own bus time
  await dynamo.send(
    new PutCommand({ TableName: STORE, Item: stored('e-3', 'req-2', 'ord-2', '2026-11-01T10:00:09Z') }),
  );
}, 120_000);

afterAll(async () => {
  await database?.stop();
});

describe('npm run eventstore:migrate', () => {
  const options = (apply: boolean) => ({ from: LEGACY, to: STORE, apply });

  it('only counts without --apply', async () => {
    const lines: string[] = [];
    const summary = await migrateEventStore({ dynamo, progress: (line) => lines.push(line) }, options(false));

    expect(summary).toEqual({ scanned: 4, copied: 2, alreadyThere: 1, unkeyed: 1 });
    expect(lines.join('\n')).toContain('not-an-event');
    expect((await dynamo.send(new ScanCommand({ TableName: STORE }))).Items).toHaveLength(1);
  });

  it('copies what is missing, rewrites nothing, and finds it by correlation and by aggregate', async () => {
    expect(await migrateEventStore({ dynamo }, options(true))).toEqual({
      scanned: 4,
      copied: 2,
      alreadyThere: 1,
      unkeyed: 1,
    });

    expect((await byCorrelation('req-1')).map((item) => item.eventId)).toEqual(['e-1', 'e-2']);
    const [kept] = await byCorrelation('req-2');
    expect(kept?.time).toBe('2026-11-01T10:00:09Z');
    const ofOrder = await dynamo.send(
      new QueryCommand({
        TableName: STORE,
        IndexName: 'byAggregate',
        KeyConditionExpression: 'aggregateId = :a',
        ExpressionAttributeValues: { ':a': 'ord-1' },
      }),
    );
    expect(ofOrder.Items?.map((item) => item.eventId)).toEqual(['e-1', 'e-2']);
    // the first store is only read
    expect((await dynamo.send(new ScanCommand({ TableName: LEGACY }))).Items).toHaveLength(4);

    expect(await migrateEventStore({ dynamo }, options(true))).toMatchObject({ copied: 0, alreadyThere: 3 });
  });

  it('says what it needs when --stage is missing', async () => {
    const err: string[] = [];
    const code = await main([], {
      stdout: { write: () => true },
      stderr: { write: (t: string) => err.push(t) },
    });

    expect(code).toBe(2);
    expect(err.join('')).toContain('--stage is required');
  });
});

import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../../scripts/local-cloud/dynamodb-local.mjs';
import {
  createFileCheckpointStore,
  createMemoryCheckpointStore,
  type StreamBatchFailure,
  startStreamPoller,
  streamFailureRecord,
} from '../../../scripts/local-cloud/stream-poller.mjs';
import { waitFor } from '../../support/eventually.js';
import { freePort } from './harness.js';

type InvokeResult = { ok: true; payload: unknown } | { ok: false; error: string };
type Handler = (event: DynamoDBStreamEvent, call: number) => unknown;

const workDir = mkdtempSync(join(tmpdir(), 'stream-poller-'));
let emulator: { endpoint: string; stop(): Promise<void> };
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
const pollers: { stop(): Promise<void> }[] = [];
const logs: string[] = [];
const log = (level: 'info' | 'warn' | 'error', message: string) => {
  logs.push(`${level}: ${message}`);
};

beforeAll(async () => {
  emulator = await startDynamoDbLocal({ port: await freePort(), pidFile: join(workDir, 'ddb.pid'), log });
  const config = {
    endpoint: emulator.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  ddb = new DynamoDBClient(config);
  streams = new DynamoDBStreamsClient(config);
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

afterAll(async () => {
  ddb?.destroy();
  streams?.destroy();
  await emulator?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function createTable() {
  const tableName = `t-${randomUUID().slice(0, 8)}`;
  const response = await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  return { tableName, streamArn: response.TableDescription?.LatestStreamArn as string };
}

async function put(tableName: string, pk: string, extra: Record<string, AttributeValue> = {}) {
  await ddb.send(
    new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, sk: { S: 'A' }, ...extra } }),
  );
}

type PollerOptions = Partial<Parameters<typeof startStreamPoller>[0]>;

/** Starts a poller whose invoke records each event (deep copy) and runs `handler` like serverless-offline. */
function startRecordingPoller(
  streamArn: string,
  handler: Handler = () => undefined,
  options: PollerOptions = {},
) {
  const events: DynamoDBStreamEvent[] = [];
  const invoke = async (_functionKey: string, event: unknown): Promise<InvokeResult> => {
    const streamEvent = structuredClone(event) as DynamoDBStreamEvent;
    events.push(streamEvent);
    try {
      return { ok: true, payload: await handler(streamEvent, events.length) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
  const poller = startStreamPoller({
    streams,
    streamArn,
    functionKey: 'projector',
    invoke,
    log,
    pollIntervalMs: 50,
    retryBaseDelayMs: 50,
    ...options,
  });
  pollers.push(poller);
  const delivered = () => events.flatMap((event) => event.Records);
  const pks = () => delivered().map((record) => record.dynamodb?.Keys?.pk?.S);
  return { events, delivered, pks, poller };
}

const sequenceOf = (record: DynamoDBRecord | undefined) => BigInt(record?.dynamodb?.SequenceNumber ?? '-1');

describe('DynamoDB Streams poller against DynamoDB Local', () => {
  it('delivers records in order, in the Lambda DynamoDBStreamEvent shape', async () => {
    const { tableName, streamArn } = await createTable();
    await put(tableName, 'p1', { data: { B: new Uint8Array([1, 2, 3]) }, n: { N: '1.5' } });
    await put(tableName, 'p2');
    await ddb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'p1' }, sk: { S: 'A' } },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: '2' } },
      }),
    );
    await ddb.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: 'p2' }, sk: { S: 'A' } } }));

    const { delivered } = startRecordingPoller(streamArn);
    await waitFor(() => delivered().length >= 4);
    const records = delivered();
    expect(records).toHaveLength(4);
    expect(records.map((record) => `${record.eventName} ${record.dynamodb?.Keys?.pk?.S}`)).toEqual([
      'INSERT p1',
      'INSERT p2',
      'MODIFY p1',
      'REMOVE p2',
    ]);
    for (let index = 1; index < records.length; index++) {
      expect(sequenceOf(records[index])).toBeGreaterThan(sequenceOf(records[index - 1]));
    }

    const [insert, , modify, remove] = records as [
      DynamoDBRecord,
      DynamoDBRecord,
      DynamoDBRecord,
      DynamoDBRecord,
    ];
    expect(Object.keys(insert)).toEqual([
      'eventID',
      'eventName',
      'eventVersion',
      'eventSource',
      'awsRegion',
      'dynamodb',
      'eventSourceARN',
    ]);
    expect(insert).toMatchObject({
      eventID: expect.any(String),
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: streamArn,
    });
    expect(insert.dynamodb).toEqual({
      ApproximateCreationDateTime: expect.any(Number),
      Keys: { pk: { S: 'p1' }, sk: { S: 'A' } },
      NewImage: { pk: { S: 'p1' }, sk: { S: 'A' }, data: { B: 'AQID' }, n: { N: '1.5' } },
      SequenceNumber: expect.stringMatching(/^\d+$/),
      SizeBytes: expect.any(Number),
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(Math.abs((insert.dynamodb?.ApproximateCreationDateTime ?? 0) - Date.now() / 1000)).toBeLessThan(
      120,
    );
    expect(modify.dynamodb?.OldImage?.n).toEqual({ N: '1.5' });
    expect(modify.dynamodb?.NewImage?.n).toEqual({ N: '2' });
    expect(remove.dynamodb?.OldImage?.pk).toEqual({ S: 'p2' });
    expect(remove.dynamodb?.NewImage).toBeUndefined();
  });

  it('drops records that match none of the filter patterns, and checkpoints past them', async () => {
    const { tableName, streamArn } = await createTable();
    const checkpoints = createMemoryCheckpointStore();
    const { delivered, pks } = startRecordingPoller(streamArn, undefined, {
      checkpoints,
      filterPatterns: [
        { eventName: ['INSERT'], dynamodb: { NewImage: { pk: { S: [{ prefix: 'OUTBOX#' }] } } } },
        { eventName: ['REMOVE'], dynamodb: { OldImage: { kind: { S: ['special'] } } } },
      ],
    });
    await put(tableName, 'OUTBOX#1');
    await put(tableName, 'ORDER#1');
    await put(tableName, 'OUTBOX#2', { kind: { S: 'special' } });
    await ddb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'OUTBOX#1' }, sk: { S: 'A' } },
        UpdateExpression: 'SET touched = :t',
        ExpressionAttributeValues: { ':t': { BOOL: true } },
      }),
    );
    await ddb.send(
      new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: 'OUTBOX#2' }, sk: { S: 'A' } } }),
    );
    await put(tableName, 'ORDER#2'); // last record, filtered out

    await waitFor(() => delivered().length >= 3);
    // The last raw record is filtered out; once it is checkpointed everything has been looked at.
    const lastKey = await waitFor(async () => {
      const { shardKey, value } = await checkpointOfOnlyShard(streamArn, checkpoints);
      return value && BigInt(value) >= sequenceOf(delivered().at(-1)) + 1n ? shardKey : undefined;
    });
    expect(lastKey).toContain(`${streamArn}|shardId-`);
    expect(delivered().map((record) => `${record.eventName} ${record.dynamodb?.Keys?.pk?.S}`)).toEqual([
      'INSERT OUTBOX#1',
      'INSERT OUTBOX#2',
      'REMOVE OUTBOX#2',
    ]);
    expect(pks()).not.toContain('ORDER#1');
  });

  it('partial batch failure: checkpoints before the lowest failed record and retries from it', async () => {
    const { tableName, streamArn } = await createTable();
    for (const pk of ['r0', 'r1', 'r2', 'r3', 'r4']) await put(tableName, pk);
    const checkpoints = createMemoryCheckpointStore();
    const { events, pks } = startRecordingPoller(
      streamArn,
      (event, call) => {
        if (call > 1) return { batchItemFailures: [] };
        // Report r3 and r2 (out of order on purpose): the lowest, r2, is where processing resumes.
        const failed = event.Records.filter((record) =>
          ['r2', 'r3'].includes(record.dynamodb?.Keys?.pk?.S ?? ''),
        );
        return {
          batchItemFailures: failed
            .reverse()
            .map((record) => ({ itemIdentifier: record.dynamodb?.SequenceNumber })),
        };
      },
      { reportBatchItemFailures: true, checkpoints },
    );

    await waitFor(() => events.length >= 2 && pks().length >= 8);
    expect(events.map((event) => event.Records.map((record) => record.dynamodb?.Keys?.pk?.S))).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4'],
      ['r2', 'r3', 'r4'],
    ]);
    // Nothing else arrives (no redelivery of r0/r1), and the checkpoint ends on r4.
    const r4 = events[1]?.Records[2]?.dynamodb?.SequenceNumber;
    await waitFor(async () => (await checkpointOfOnlyShard(streamArn, checkpoints)).value === r4);
    await put(tableName, 'r5');
    await waitFor(() => pks().includes('r5'));
    expect(pks()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r2', 'r3', 'r4', 'r5']);
  });

  it('retries a failing batch with back-off, then gives up after maximumRetryAttempts and moves on', async () => {
    const { tableName, streamArn } = await createTable();
    await put(tableName, 'poison');
    const failures: unknown[] = [];
    const { events, pks } = startRecordingPoller(
      streamArn,
      (event) => {
        if (event.Records.some((record) => record.dynamodb?.Keys?.pk?.S === 'poison'))
          throw new Error('boom');
      },
      {
        maximumRetryAttempts: 2,
        onFailure: async (info: unknown) => {
          failures.push(info);
        },
      },
    );
    await waitFor(() => failures.length === 1);
    expect(events).toHaveLength(3); // 1 attempt + 2 retries
    expect(failures[0]).toMatchObject({
      functionKey: 'projector',
      streamArn,
      shardId: expect.stringMatching(/^shardId-/),
      batchSize: 1,
      attempts: 3,
      lastError: 'boom',
      startSequenceNumber: events[0]?.Records[0]?.dynamodb?.SequenceNumber,
      endSequenceNumber: events[0]?.Records[0]?.dynamodb?.SequenceNumber,
    });
    await put(tableName, 'after');
    await waitFor(() => pks().includes('after'));
    expect(pks()).toEqual(['poison', 'poison', 'poison', 'after']);
    expect(logs.some((line) => line.startsWith('error:') && line.includes('giving up'))).toBe(true);
  });

  it('a new poller resumes from the checkpoint file without redelivery', async () => {
    const { tableName, streamArn } = await createTable();
    const checkpointFile = join(workDir, `checkpoints-${randomUUID()}.json`);
    for (const pk of ['c1', 'c2', 'c3']) await put(tableName, pk);

    const first = startRecordingPoller(streamArn, undefined, {
      checkpoints: createFileCheckpointStore(checkpointFile),
    });
    await waitFor(() => first.pks().length >= 3);
    const lastSequence = first.delivered().at(-1)?.dynamodb?.SequenceNumber;
    await waitFor(() => {
      try {
        return Object.values(JSON.parse(readFileSync(checkpointFile, 'utf8'))).includes(lastSequence);
      } catch {
        return undefined;
      }
    });
    await first.poller.stop();

    for (const pk of ['c4', 'c5']) await put(tableName, pk);
    const second = startRecordingPoller(streamArn, undefined, {
      checkpoints: createFileCheckpointStore(checkpointFile),
    });
    await waitFor(() => second.pks().length >= 2);
    expect(first.pks()).toEqual(['c1', 'c2', 'c3']);
    expect(second.pks()).toEqual(['c4', 'c5']);
    const stored = JSON.parse(readFileSync(checkpointFile, 'utf8'));
    expect(Object.keys(stored)).toEqual([
      expect.stringMatching(new RegExp(`^${escapeRegExp(streamArn)}\\|shardId-`)),
    ]);
  });

  it('stops by itself when its table is deleted, and when the stream does not exist', async () => {
    const { tableName, streamArn } = await createTable();
    await put(tableName, 'x');
    const { poller, pks } = startRecordingPoller(streamArn, undefined, { discoveryIntervalMs: 200 });
    await waitFor(() => pks().length === 1);
    await ddb.send(new DeleteTableCommand({ TableName: tableName }));
    await expect(poller.finished).resolves.toBe('stream-disabled');

    const missing = startRecordingPoller(streamArn.replace(`table/${tableName}/`, 'table/no-such-table/'));
    await expect(missing.poller.finished).resolves.toBe('stream-not-found');
    expect(logs.some((line) => line.includes('no longer exists'))).toBe(true);
  });
});

async function checkpointOfOnlyShard(
  streamArn: string,
  checkpoints: { get(key: string): Promise<string | undefined> },
): Promise<{ shardKey: string; value: string | undefined }> {
  const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const shardId = description.StreamDescription?.Shards?.[0]?.ShardId;
  const shardKey = `${streamArn}|${shardId}`;
  return { shardKey, value: await checkpoints.get(shardKey) };
}

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('stream failures as on AWS: bisect, bounds, on-failure batch info', () => {
  const pkOf = (record: DynamoDBRecord | undefined) => record?.dynamodb?.Keys?.pk?.S;
  const batchesOf = (events: DynamoDBStreamEvent[]) => events.map((event) => event.Records.map(pkOf));
  const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:svc-test-projector';

  it('(b) isolates a poison record by bisection: the good records around it are processed, only it is given up on', async () => {
    const { tableName, streamArn } = await createTable();
    for (const pk of ['r0', 'r1', 'poison', 'r3']) await put(tableName, pk);
    const failures: StreamBatchFailure[] = [];
    const { events, pks } = startRecordingPoller(
      streamArn,
      (event) => {
        if (event.Records.some((record) => pkOf(record) === 'poison')) throw new Error('cannot relay poison');
      },
      {
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 1,
        onFailure: async (failure) => {
          failures.push(failure);
        },
      },
    );
    await waitFor(() => failures.length === 1 && pks().includes('r3'));
    expect(batchesOf(events)).toEqual([
      ['r0', 'r1', 'poison', 'r3'],
      ['r0', 'r1'],
      ['poison', 'r3'],
      ['poison'],
      ['poison'], // its one retry: splitting used none
      ['r3'],
    ]);
    const poisonSequence = events[3]?.Records[0]?.dynamodb?.SequenceNumber;
    expect(failures[0]).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      startSequenceNumber: poisonSequence,
      endSequenceNumber: poisonSequence,
      batchSize: 1,
      attempts: 4,
      lastOutcome: 'function-error',
      lastError: 'cannot relay poison',
    });

    await put(tableName, 'after');
    await waitFor(() => pks().includes('after'));
    expect(batchesOf(events).at(-1)).toEqual(['after']);
  });

  it('(b) a batch that keeps failing is split down to single records, each retried within its bound, then reported with DDBStreamBatchInfo only', async () => {
    const { tableName, streamArn } = await createTable();
    for (const pk of ['a', 'b']) await put(tableName, pk);
    const sent: unknown[] = [];
    const { events } = startRecordingPoller(
      streamArn,
      () => {
        throw new Error('the bus is down');
      },
      {
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 2,
        onFailure: async (failure) => {
          sent.push(JSON.parse(JSON.stringify(streamFailureRecord(failure, FUNCTION_ARN))));
        },
      },
    );
    await waitFor(() => sent.length === 2);
    expect(batchesOf(events)).toEqual([['a', 'b'], ['a'], ['a'], ['a'], ['b'], ['b'], ['b']]);
    const [a, b] = [events[1]?.Records[0], events[4]?.Records[0]];
    const infoOf = (record: DynamoDBRecord | undefined) => ({
      shardId: expect.stringMatching(/^shardId-/),
      startSequenceNumber: record?.dynamodb?.SequenceNumber,
      endSequenceNumber: record?.dynamodb?.SequenceNumber,
      approximateArrivalOfFirstRecord: new Date(
        (record?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000,
      ).toISOString(),
      approximateArrivalOfLastRecord: new Date(
        (record?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000,
      ).toISOString(),
      batchSize: 1,
      streamArn,
    });
    const expected = (record: DynamoDBRecord | undefined) => ({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        functionArn: FUNCTION_ARN,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 4,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/Z$/),
      DDBStreamBatchInfo: infoOf(record),
    });
    // Exactly these keys: no record data, as on AWS.
    expect(sent).toEqual([expected(a), expected(b)]);
  });

  it('with ReportBatchItemFailures the batch restarts at the failed record instead of splitting, and the remainder is given up on as one', async () => {
    const { tableName, streamArn } = await createTable();
    for (const pk of ['r0', 'stuck', 'r2']) await put(tableName, pk);
    const failures: StreamBatchFailure[] = [];
    const { events, pks } = startRecordingPoller(
      streamArn,
      (event) => ({
        batchItemFailures: event.Records.filter((record) => pkOf(record) === 'stuck').map((record) => ({
          itemIdentifier: record.dynamodb?.SequenceNumber,
        })),
      }),
      {
        reportBatchItemFailures: true,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 2,
        onFailure: async (failure) => {
          failures.push(failure);
        },
      },
    );
    await waitFor(() => failures.length === 1);
    expect(batchesOf(events)).toEqual([
      ['r0', 'stuck', 'r2'],
      ['stuck', 'r2'],
      ['stuck', 'r2'],
    ]);
    expect(failures[0]).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      startSequenceNumber: events[1]?.Records[0]?.dynamodb?.SequenceNumber,
      endSequenceNumber: events[1]?.Records[1]?.dynamodb?.SequenceNumber,
      batchSize: 2,
      attempts: 3,
      lastOutcome: 'partial',
    });
    await put(tableName, 'next');
    await waitFor(() => pks().includes('next'));
  });

  it('gives up on records older than maximumRecordAgeInSeconds with RecordAgeExceeded', async () => {
    const { tableName, streamArn } = await createTable();
    await put(tableName, 'old');
    const failures: StreamBatchFailure[] = [];
    const { events, pks } = startRecordingPoller(
      streamArn,
      (event) => {
        if (event.Records.some((record) => pkOf(record) === 'old')) throw new Error('still failing');
      },
      {
        maximumRecordAgeInSeconds: 2,
        onFailure: async (failure) => {
          failures.push(failure);
        },
      },
    );
    await waitFor(() => failures.length === 1);
    const invocationsOfOld = events.length;
    expect(failures[0]).toMatchObject({
      condition: 'RecordAgeExceeded',
      batchSize: 1,
      attempts: invocationsOfOld,
      lastOutcome: 'function-error',
    });
    const record = streamFailureRecord(failures[0] as StreamBatchFailure, FUNCTION_ARN);
    expect(record.requestContext).toMatchObject({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: invocationsOfOld,
    });
    await put(tableName, 'fresh');
    await waitFor(() => pks().includes('fresh'));
    // Given up on for good: the shard moved on and never sent the old record again.
    expect(pks()).toEqual([...Array(invocationsOfOld).fill('old'), 'fresh']);
  });

  it('a failure to deliver uses up no retry and splits nothing', async () => {
    const { tableName, streamArn } = await createTable();
    for (const pk of ['x', 'y']) await put(tableName, pk);
    const batches: (string | undefined)[][] = [];
    const failures: StreamBatchFailure[] = [];
    const poller = startStreamPoller({
      streams,
      streamArn,
      functionKey: 'projector',
      log,
      pollIntervalMs: 50,
      retryBaseDelayMs: 20,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 0,
      onFailure: async (failure) => {
        failures.push(failure);
      },
      invoke: async (_key, event) => {
        batches.push((event as DynamoDBStreamEvent).Records.map(pkOf));
        return batches.length <= 3
          ? { ok: false, kind: 'delivery', error: 'connect ECONNREFUSED 127.0.0.1:3002' }
          : { ok: true, payload: null };
      },
    });
    pollers.push(poller);
    await waitFor(() => batches.length === 4);
    expect(batches).toEqual([
      ['x', 'y'],
      ['x', 'y'],
      ['x', 'y'],
      ['x', 'y'],
    ]);
    expect(failures).toEqual([]);
  });
});

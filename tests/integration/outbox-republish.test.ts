import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEnvelope } from '../../events/envelope.js';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlacedV1 } from '../../events/orders/index.js';
import { startEventBus } from '../../scripts/local-cloud/event-bus.mjs';
import { entryOf, republishOutbox } from '../../scripts/outbox-republish.mjs';
import { redrive } from '../../scripts/redrive.mjs';
import { outboxPut } from '../../shared/outbox/record.js';
import { startTestDynamoDb, type TestDynamoDb } from '../support/dynamodb-local.js';

/**
 * `npm run outbox:republish` against DynamoDB Local (a table exactly like the orders table, with outbox
 * items written by the real `outboxPut`) and the local bus emulator; `npm run redrive -- --republish` of a
 * stream failure record also against fauxqs.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const STAGE = 'itrepub';
const TABLE = `commerce-${STAGE}-orders`;
const BUS = `commerce-${STAGE}-bus`;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let database: TestDynamoDb | undefined;
let dynamoEndpoint = '';
let dynamo: DynamoDBDocumentClient;
let bus: Awaited<ReturnType<typeof startEventBus>>;
let eventBridge: EventBridgeClient;
/** Entries per PutEvents call, as sent. */
let putEventsCalls: number[];
let progress: string[];

const at = (time: string) => `2026-11-22T${time}.000Z`;

/** Writes an outbox item the way every repository does (shared/outbox/record.ts) and returns its envelope. */
async function outboxEvent(
  type: 'OrderPlaced' | 'OrderConfirmed' | 'OrderCancelled',
  orderId: string,
  time: string,
  source = 'commerce.orders',
) {
  const contract = {
    OrderPlaced: OrderPlacedV1,
    OrderConfirmed: OrderConfirmedV1,
    OrderCancelled: OrderCancelledV1,
  }[type] as any;
  const envelope = createEnvelope(
    contract,
    { orderId },
    { correlationId: `req-${orderId}`, causationId: `req-${orderId}` },
    { now: new Date(at(time)) },
  );
  const { Put } = outboxPut(TABLE, source, envelope);
  await dynamo.send(new PutCommand(Put));
  return envelope;
}

/** The events the bus accepted since `mark`, as the ids of their envelopes. */
const publishedSince = (mark: number) =>
  bus
    .recentEvents()
    .slice(mark)
    .map((event) => (event.detail as any).metadata.eventId as string);

const deps = (overrides: Partial<Parameters<typeof republishOutbox>[0]> = {}) => ({
  dynamo,
  eventBridge,
  progress: (line: string) => progress.push(line),
  retryBaseDelayMs: 1,
  ...overrides,
});

beforeAll(async () => {
  database = await startTestDynamoDb();
  dynamoEndpoint = database.endpoint;
  dynamo = database.dynamo;
  await database.createTableLike('orders', 'OrdersTable', TABLE);
  bus = await startEventBus({
    port: 0,
    region: 'us-east-1',
    accountId: '000000000000',
    rules: [],
    deliver: { lambda: async () => ({ ok: true, payload: null }), sqs: async () => undefined },
    log: () => undefined,
  });
  eventBridge = new EventBridgeClient({ endpoint: bus.endpoint, region: 'us-east-1', credentials });
  eventBridge.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutEventsCommand') {
        putEventsCalls.push((args.input as { Entries: unknown[] }).Entries.length);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countPutEvents' },
  );
}, 120_000);

afterAll(async () => {
  eventBridge?.destroy();
  await bus?.stop();
  await database?.stop();
});

beforeEach(() => {
  putEventsCalls = [];
  progress = [];
  bus.setOutage(false);
});

describe('republishOutbox', () => {
  it('publishes the window’s outbox events in order of occurrence, exactly as the relay did, and nothing else', async () => {
    // given an hour of one order's events, written out of order, a state item, and events outside the window
    const placed = await outboxEvent('OrderPlaced', 'ord-a', '08:00:00');
    const cancelled = await outboxEvent('OrderCancelled', 'ord-a', '08:00:09');
    const confirmed = await outboxEvent('OrderConfirmed', 'ord-a', '08:00:04');
    await outboxEvent('OrderPlaced', 'ord-early', '07:59:59');
    await outboxEvent('OrderPlaced', 'ord-late', '08:00:10');
    await dynamo.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: 'ORDER#ord-a', sk: 'ORDER', entityType: 'ORDER', occurredAt: at('08:00:05') },
      }),
    );
    const mark = bus.recentEvents().length;

    // when the window [08:00:00, 08:00:10) is republished
    const summary = await republishOutbox(deps(), {
      tableName: TABLE,
      eventBusName: BUS,
      from: '2026-11-22T09:00:00+01:00',
      to: at('08:00:10'),
    });

    // then exactly its three events are on the bus again, oldest first, with their envelopes unchanged
    expect(summary).toMatchObject({ selected: 3, published: 3, failed: [], skipped: 0 });
    const ids = [placed, confirmed, cancelled].map((event) => event.metadata.eventId);
    expect(publishedSince(mark)).toEqual(ids);
    const published = bus.recentEvents().slice(mark);
    expect(published.map((event) => [event.source, event['detail-type'], event.time, event.detail])).toEqual(
      [placed, confirmed, cancelled].map((envelope) => [
        'commerce.orders',
        envelope.metadata.eventType,
        envelope.metadata.occurredAt.replace('.000Z', 'Z'),
        envelope,
      ]),
    );
    expect(progress).toContain('published 3/3');
  });

  it('sends at most 10 events per PutEvents call', async () => {
    for (let n = 0; n < 23; n++)
      await outboxEvent('OrderPlaced', `ord-bulk-${n}`, `09:00:${String(n).padStart(2, '0')}`);
    const mark = bus.recentEvents().length;

    const summary = await republishOutbox(deps(), {
      tableName: TABLE,
      eventBusName: BUS,
      from: at('09:00:00'),
      to: at('09:01:00'),
    });

    expect(summary.published).toBe(23);
    expect(putEventsCalls).toEqual([10, 10, 3]);
    expect(publishedSince(mark)).toHaveLength(23);
  });

  it('retries the entries PutEvents rejects until the bus takes them', async () => {
    // given the bus fails every entry (FailedEntryCount, with a 200 answer) until the first retry is announced
    const events = [
      await outboxEvent('OrderPlaced', 'ord-r1', '10:00:00'),
      await outboxEvent('OrderPlaced', 'ord-r2', '10:00:01'),
    ];
    bus.setOutage(true);
    const mark = bus.recentEvents().length;

    const summary = await republishOutbox(
      deps({
        progress: (line) => {
          progress.push(line);
          if (line.startsWith('PutEvents did not take')) bus.setOutage(false);
        },
      }),
      { tableName: TABLE, eventBusName: BUS, from: at('10:00:00'), to: at('10:00:02') },
    );

    expect(summary).toMatchObject({ published: 2, failed: [] });
    expect(progress).toContain(
      'PutEvents did not take 2 event(s) (InternalFailure The request processing has failed because of an unknown error, exception or failure.); retrying in 1 ms (attempt 2/6)',
    );
    expect(putEventsCalls).toEqual([2, 2]);
    expect(publishedSince(mark)).toEqual(events.map((event) => event.metadata.eventId));
  });

  it('reports what the bus keeps rejecting, and publishes the rest', async () => {
    // an event under a source EventBridge never accepts from us
    const good = await outboxEvent('OrderPlaced', 'ord-ok', '11:00:00');
    const bad = await outboxEvent('OrderPlaced', 'ord-bad', '11:00:01', 'aws.orders');
    const mark = bus.recentEvents().length;

    const summary = await republishOutbox(deps({ attempts: 3 }), {
      tableName: TABLE,
      eventBusName: BUS,
      from: at('11:00:00'),
      to: at('11:00:02'),
    });

    expect(summary.published).toBe(1);
    expect(summary.failed).toEqual([
      {
        eventId: bad.metadata.eventId,
        error: 'NotAuthorizedForSourceException Not authorized for the source.',
      },
    ]);
    expect(putEventsCalls).toEqual([2, 1, 1]);
    expect(publishedSince(mark)).toEqual([good.metadata.eventId]);
  });

  it('warns when the window reaches back further than consumers remember event ids', async () => {
    const window = (daysBack: number) => ({
      tableName: TABLE,
      eventBusName: BUS,
      from: new Date(Date.now() - daysBack * 24 * 3600 * 1000).toISOString(),
      dryRun: true,
    });
    const warning = expect.stringContaining('further than consumers remember event ids (7 days)');

    await republishOutbox(deps(), window(6.9));
    expect(progress).not.toContainEqual(warning);
    await republishOutbox(deps(), window(7.1));
    expect(progress).toContainEqual(warning);
  });

  it('builds the same entry as the relay', () => {
    const envelope = createEnvelope(OrderPlacedV1, { orderId: 'x' } as any, {
      correlationId: 'c',
      causationId: 'c',
    });
    expect(entryOf({ source: 'commerce.orders', envelope }, BUS)).toEqual({
      EventBusName: BUS,
      Source: 'commerce.orders',
      DetailType: 'OrderPlaced',
      Detail: JSON.stringify(envelope),
      Time: new Date(envelope.metadata.occurredAt),
    });
    // and, like the relay, puts the event back into the trace of the invocation that stored it
    const traceHeader = 'Root=1-6740e1c0-000000000000000000000001;Parent=0000000000000001;Sampled=1';
    expect(entryOf({ source: 'commerce.orders', envelope, traceHeader }, BUS).TraceHeader).toBe(traceHeader);
  });
});

describe('npm run outbox:republish (the CLI)', () => {
  const cli = (argv: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'scripts', 'outbox-republish.mjs'), ...argv],
        {
          cwd: ROOT,
          timeout: 60_000,
          env: {
            ...process.env,
            // an AWS stage: the SDK's own endpoint variables point it at the emulators
            AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
            AWS_ENDPOINT_URL_EVENTBRIDGE: bus.endpoint,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
            AWS_PROFILE: '',
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('takes a domain name for --table, prints progress and a summary, and exits 0', async () => {
    const events = [
      await outboxEvent('OrderPlaced', 'ord-cli', '12:00:00'),
      await outboxEvent('OrderConfirmed', 'ord-cli', '12:00:03'),
    ];
    const mark = bus.recentEvents().length;

    const result = await cli([
      '--stage',
      STAGE,
      '--table',
      'orders',
      '--from',
      at('12:00:00'),
      '--to',
      at('12:01:00'),
    ]);

    expect(result.code).toBe(0);
    expect(result.stderr).toContain('published 2/2');
    expect(result.stdout).toBe(
      `outbox:republish: 2 event(s) from ${TABLE} [${at('12:00:00')}, ${at('12:01:00')}) to ${BUS}: 2 published, 0 failed\n`,
    );
    expect(publishedSince(mark)).toEqual(events.map((event) => event.metadata.eventId));
  });

  it('--dry-run lists the events and publishes nothing', async () => {
    const placed = await outboxEvent('OrderPlaced', 'ord-dry', '13:00:00');
    const mark = bus.recentEvents().length;

    const result = await cli([
      '--stage',
      STAGE,
      '--table',
      TABLE,
      '--from',
      at('13:00:00'),
      '--to',
      at('13:00:01'),
      '--dry-run',
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(
      `${at('13:00:00')}  OrderPlaced  commerce.orders  ${placed.metadata.eventId}`,
    );
    expect(result.stdout).toContain('dry run: 1 event(s)');
    expect(publishedSince(mark)).toEqual([]);
  });

  it.each([
    [['--table', 'orders'], '--from is required'],
    [['--from', at('12:00:00')], '--table is required'],
    [['--table', 'orders', '--from', 'yesterday'], 'not an ISO-8601 date-time'],
    [['--table', 'orders', '--from', at('12:00:00'), '--to', at('11:00:00')], '--from must be before --to'],
    [['--table', 'commerce-prod-orders', '--from', at('12:00:00')], 'is not a table of this stage'],
  ])('refuses %j with exit code 2 and the usage', async (argv, message) => {
    const result = await cli([...argv, '--stage', STAGE]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('usage: npm run outbox:republish');
  });
});

describe('npm run redrive -- outbox-relay-failures --republish', () => {
  let server: FauxqsServer;
  let sqs: SQSClient;

  beforeAll(async () => {
    server = await startFauxqs({ port: 0, logger: false });
    sqs = new SQSClient({
      endpoint: `http://127.0.0.1:${server.port}`,
      region: 'us-east-1',
      credentials,
      useQueueUrlAsEndpoint: false,
    });
  });

  afterAll(async () => {
    sqs?.destroy();
    await server?.stop();
  });

  it('republishes each record’s window from its table and deletes the record', async () => {
    // given the relay gave up on a batch of two of the orders table's records (arrived 08:30:00–08:30:02)
    const events = [
      await outboxEvent('OrderPlaced', 'ord-lost', '08:29:59'),
      await outboxEvent('OrderCancelled', 'ord-lost', '08:30:02'),
    ];
    const prefix = `commerce-${STAGE}-`;
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: `${prefix}outbox-relay-failures` }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: JSON.stringify({
          requestContext: {
            requestId: randomUUID(),
            functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${prefix}ordersOutboxRelay`,
            condition: 'RetryAttemptsExhausted',
            approximateInvokeCount: 3,
          },
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          version: '1.0',
          timestamp: at('08:31:00'),
          DDBStreamBatchInfo: {
            shardId: 'shardId-1',
            startSequenceNumber: '1',
            endSequenceNumber: '2',
            approximateArrivalOfFirstRecord: at('08:30:00'),
            approximateArrivalOfLastRecord: at('08:30:02'),
            batchSize: 2,
            streamArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${TABLE}/stream/2026-11-22T00:00:00.000`,
          },
        }),
      }),
    );
    const mark = bus.recentEvents().length;

    const summary = await redrive(
      { sqs, eventBridge, dynamo, stage: STAGE, service: 'commerce', prefix, eventBusName: BUS },
      { queue: 'outbox-relay-failures', republish: true },
    );

    expect(summary).toMatchObject({ moved: 1, failed: [], kept: [], commands: [] });
    expect(publishedSince(mark)).toEqual(events.map((event) => event.metadata.eventId));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(
      Number(Attributes?.ApproximateNumberOfMessages) +
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    ).toBe(0);
  });
});

import { randomUUID } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEventBus } from '../../scripts/local-cloud/event-bus.mjs';
import { listDeadLetterQueues, main, redrive, republishEntry, shapeOf } from '../../scripts/redrive.mjs';
import { type FakeLambda, startFakeLambda } from '../support/fake-lambda.js';

/**
 * `scripts/redrive.mjs` against a real fauxqs, the local bus emulator and a fake Lambda Invoke endpoint: a
 * poisoned FIFO message goes back to its queue in its group, a rule DLQ's event is published again, a Lambda
 * on-failure record's event goes to the function that failed it, a stream failure record becomes a
 * republish command, a dry run moves nothing.
 */
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let server: FauxqsServer;
let bus: Awaited<ReturnType<typeof startEventBus>>;
let sqs: SQSClient;
let eventBridge: EventBridgeClient;
let lambda: LambdaClient;
let fakeLambda: FakeLambda;
let stage: string;
let prefix: string;
let progress: string[];
/** Event ids the fake functions fail on. */
const failing = new Set<string>();

const context = (invoke: 'sync' | 'async' = 'sync') => ({
  sqs,
  eventBridge,
  lambda,
  invoke,
  stage,
  service: 'commerce',
  prefix,
  eventBusName: `${prefix}bus`,
  progress: (line: string) => progress.push(line),
});

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${server.port}`,
    region: 'us-east-1',
    credentials,
    useQueueUrlAsEndpoint: false,
  });
  bus = await startEventBus({
    port: 0,
    region: 'us-east-1',
    accountId: '000000000000',
    rules: [],
    deliver: { lambda: async () => ({ ok: true, payload: null }), sqs: async () => undefined },
    log: () => undefined,
  });
  eventBridge = new EventBridgeClient({ endpoint: bus.endpoint, region: 'us-east-1', credentials });
  fakeLambda = await startFakeLambda(async ({ event }) => {
    if (failing.has(event?.detail?.metadata?.eventId)) throw new Error('stock item missing');
  });
  lambda = new LambdaClient({ endpoint: fakeLambda.endpoint, region: 'us-east-1', credentials });
});

afterAll(async () => {
  sqs?.destroy();
  eventBridge?.destroy();
  lambda?.destroy();
  await fakeLambda?.stop();
  await bus?.stop();
  await server?.stop();
});

beforeEach(() => {
  // A stage of its own per test: queues of other tests are not in the way.
  stage = `it${randomUUID().slice(0, 6)}`;
  prefix = `commerce-${stage}-`;
  progress = [];
  failing.clear();
  fakeLambda.invocations.splice(0);
});

async function createQueue(name: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl as string, arn: Attributes?.QueueArn as string };
}

/** `<prefix>catalog-price-changes.fifo` with its FIFO DLQ after one receive, like the catalog's queue. */
async function priceChangesQueue() {
  const dlq = await createQueue(`${prefix}catalog-price-changes-dlq.fifo`, { FifoQueue: 'true' });
  const queue = await createQueue(`${prefix}catalog-price-changes.fifo`, {
    FifoQueue: 'true',
    VisibilityTimeout: '30',
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }),
  });
  return { queue, dlq };
}

async function receiveAll(url: string, visibilityTimeout = 30): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilityTimeout,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}

async function countOf(url: string) {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

/** Sends a command and fails its processing until it is in the DLQ (maxReceiveCount 1). */
async function poison(queueUrl: string, groupId: string, body: string) {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: groupId,
      MessageDeduplicationId: `dedup-${groupId}-${body.length}`,
      MessageAttributes: { correlationId: { DataType: 'String', StringValue: `corr-${groupId}` } },
    }),
  );
  // The consumer receives it and fails (the message comes back at once) ...
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
  // ... and the next receive finds it over maxReceiveCount: SQS moves it to the DLQ.
  await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
}

const busEvent = (eventId: string) => ({
  version: '0',
  id: `bus-${eventId}`,
  'detail-type': 'OrderPlaced',
  source: 'commerce.orders',
  account: '000000000000',
  time: '2026-11-22T10:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    metadata: { eventId, eventType: 'OrderPlaced', eventVersion: 1, correlationId: 'req-1' },
    data: { orderId: 'ord-1' },
  },
});

describe('a queue DLQ (FIFO), moved by hand as on the local stages', () => {
  it('sends a poisoned message back to its source queue in its group, then deletes it from the DLQ', async () => {
    // given a price change that kept failing sits in the DLQ, and the same dedup id was used minutes ago
    const { queue, dlq } = await priceChangesQueue();
    const body = JSON.stringify({ commandId: 'cmd-1', productId: 'espresso-cup' });
    await poison(queue.url, 'espresso-cup', body);
    expect(await countOf(dlq.url)).toBe(1);
    expect(await countOf(queue.url)).toBe(0);

    // when it is redriven (the short name leaves out .fifo)
    const summary = await redrive(context(), { queue: 'catalog-price-changes' });

    // then it is back in its queue, same body, group and attributes, and gone from the DLQ
    expect(summary).toMatchObject({ moved: 1, failed: [], target: `${prefix}catalog-price-changes.fifo` });
    expect(summary.dlq.kind).toBe('queue');
    expect(progress).toContain('moved 1/1');
    expect(await countOf(dlq.url)).toBe(0);
    const [back, ...more] = await receiveAll(queue.url);
    expect(more).toEqual([]);
    expect(back?.Body).toBe(body);
    expect(back?.Attributes?.MessageGroupId).toBe('espresso-cup');
    expect(back?.MessageAttributes?.correlationId?.StringValue).toBe('corr-espresso-cup');
  });

  it('keeps the order of a group and moves at most --max', async () => {
    // given three changes of one product in the DLQ, in order
    const { queue, dlq } = await priceChangesQueue();
    for (const n of [1, 2, 3]) await poison(queue.url, 'hand-grinder', `change-${n}`.padEnd(10 + n, '.'));
    expect(await countOf(dlq.url)).toBe(3);

    // when two are redriven, then the rest
    const first = await redrive(context(), { queue: 'catalog-price-changes.fifo', max: 2 });
    expect(first.moved).toBe(2);
    expect(await countOf(dlq.url)).toBe(1);
    const second = await redrive(context(), { queue: 'catalog-price-changes.fifo' });
    expect(second.moved).toBe(1);

    // then the queue hands them out in the original order
    const bodies: string[] = [];
    for (let n = 0; n < 3; n++) {
      const [message] = await receiveAll(queue.url);
      bodies.push(String(message?.Body).replace(/\.+$/, ''));
      await sqs.send(
        new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message?.ReceiptHandle }),
      );
    }
    expect(bodies).toEqual(['change-1', 'change-2', 'change-3']);
  });

  it('--dry-run lists the messages and moves nothing', async () => {
    // given a poisoned message in each of two groups
    const { queue, dlq } = await priceChangesQueue();
    await poison(queue.url, 'espresso-cup', 'x'.repeat(300));
    await poison(queue.url, 'hand-grinder', '{"short":true}');

    // when a dry run looks at the DLQ
    const summary = await redrive(context(), { queue: 'catalog-price-changes', dryRun: true });

    // then both are listed with their group and the first 120 characters, and both are still there, visible
    expect(summary.moved).toBe(0);
    expect(summary.listed).toEqual(
      expect.arrayContaining([
        {
          id: expect.any(String),
          group: 'espresso-cup',
          shape: 'other',
          summary: 'x'.repeat(120),
          body: 'x'.repeat(120),
        },
        {
          id: expect.any(String),
          group: 'hand-grinder',
          shape: 'other',
          summary: '{"short":true}',
          body: '{"short":true}',
        },
      ]),
    );
    expect(await countOf(queue.url)).toBe(0);
    expect((await receiveAll(dlq.url)).length).toBe(2);
  });
});

describe('a rule target DLQ (bus events)', () => {
  it('publishes each event to the bus again, unchanged, then deletes it; a body that is no event stays', async () => {
    // given the orders' rule DLQ holds two events that failed their consumer, and one broken body
    const dlq = await createQueue(`${prefix}orders-events-dlq`);
    for (const body of [JSON.stringify(busEvent('evt-1')), JSON.stringify(busEvent('evt-2')), 'not json']) {
      await sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: body }));
    }
    const before = bus.recentEvents().length;

    // when it is redriven
    const summary = await redrive(context(), { queue: 'orders-events' });

    // then both events are on the bus again with source, detail-type, detail and time unchanged
    expect(summary.dlq.kind).toBe('rule');
    expect(summary.moved).toBe(2);
    expect(summary.failed).toEqual([{ id: expect.any(String), error: expect.stringContaining('not JSON') }]);
    const published = bus.recentEvents().slice(before);
    expect(published.map((event) => event.detail)).toEqual(
      expect.arrayContaining([busEvent('evt-1').detail, busEvent('evt-2').detail]),
    );
    for (const event of published) {
      expect(event).toMatchObject({
        source: 'commerce.orders',
        'detail-type': 'OrderPlaced',
        time: '2026-11-22T10:00:00Z',
      });
    }
    // and only the broken body is left, visible again for a look
    const left = await receiveAll(dlq.url);
    expect(left.map((message) => message.Body)).toEqual(['not json']);
  });

  it('--dry-run publishes nothing', async () => {
    const dlq = await createQueue(`${prefix}inventory-events-dlq`);
    await sqs.send(
      new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: JSON.stringify(busEvent('evt-9')) }),
    );
    const before = bus.recentEvents().length;

    const summary = await redrive(context(), { queue: 'inventory-events', dryRun: true });

    expect(summary.listed).toHaveLength(1);
    expect(summary.listed[0]?.body).toBe(JSON.stringify(busEvent('evt-9')).slice(0, 120));
    expect(summary.listed[0]).toMatchObject({
      shape: 'event',
      summary: 'OrderPlaced evt-9 orderId=ord-1',
    });
    expect(bus.recentEvents().length).toBe(before);
    expect(await countOf(dlq.url)).toBe(1);
  });

  it('builds the PutEvents entry from the event alone', () => {
    expect(republishEntry(JSON.stringify(busEvent('evt-3')), 'commerce-x-bus')).toEqual({
      EventBusName: 'commerce-x-bus',
      Source: 'commerce.orders',
      DetailType: 'OrderPlaced',
      Detail: JSON.stringify(busEvent('evt-3').detail),
      Resources: [],
      Time: new Date('2026-11-22T10:00:00Z'),
    });
    expect(() => republishEntry('{"source":"commerce.orders"}', 'b')).toThrow('not an EventBridge event');
  });
});

/** A Lambda asynchronous invocation's on-failure record, exactly as AWS sends it to an SQS destination. */
const functionFailure = (functionKey: string, payload: unknown, functionStage = stage) => ({
  version: '1.0',
  timestamp: '2026-11-22T10:03:01.123Z',
  requestContext: {
    requestId: randomUUID(),
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:commerce-${functionStage}-${functionKey}:$LATEST`,
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  },
  requestPayload: payload,
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  responsePayload: { errorMessage: 'stock item missing', errorType: 'Error' },
});

const scheduledEvent = {
  version: '0',
  id: 'sched-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-22T10:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/expire'],
  detail: {},
};

/** A DynamoDB stream mapping's on-failure record: shard and sequence numbers, never the records. */
const streamFailure = (table: string, first: string, last: string, batchSize = 3) => ({
  requestContext: {
    requestId: randomUUID(),
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:commerce-${stage}-ordersOutboxRelay`,
    condition: 'RetryAttemptsExhausted',
    approximateInvokeCount: 3,
  },
  responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
  version: '1.0',
  timestamp: '2026-11-22T10:05:00.000Z',
  DDBStreamBatchInfo: {
    shardId: 'shardId-00000001',
    startSequenceNumber: '100',
    endSequenceNumber: '300',
    approximateArrivalOfFirstRecord: first,
    approximateArrivalOfLastRecord: last,
    batchSize,
    streamArn: `arn:aws:dynamodb:us-east-1:123456789012:table/commerce-${stage}-${table}/stream/2026-11-22T09:00:00.000`,
  },
});

async function sendAll(url: string, bodies: unknown[]) {
  for (const body of bodies) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  }
}

describe('a domain events DLQ that is also its functions’ on-failure destination', () => {
  it('sends a failure record’s original event to the function that failed it, and a bus event to the bus', async () => {
    // given inventory's DLQ holds a failed OrderCancelled of its consumer, a scheduled run of a sweeper
    // that failed, and an event a rule could not deliver
    const dlq = await createQueue(`${prefix}inventory-events-dlq`);
    const cancelled = { ...busEvent('evt-cancel'), 'detail-type': 'OrderCancelled' };
    await sendAll(dlq.url, [
      functionFailure('inventoryOnOrderEvents', cancelled),
      functionFailure('ordersExpirePending', scheduledEvent),
      busEvent('evt-undelivered'),
    ]);
    const before = bus.recentEvents().length;

    // when it is redriven on a local stage
    const summary = await redrive(context('sync'), { queue: 'inventory-events' });

    // then each function got its original event once, synchronously, and nothing else was invoked
    expect(summary).toMatchObject({ moved: 3, failed: [], kept: [] });
    expect(fakeLambda.invocations).toEqual(
      expect.arrayContaining([
        {
          functionName: `${prefix}inventoryOnOrderEvents`,
          invocationType: 'RequestResponse',
          event: cancelled,
        },
        {
          functionName: `${prefix}ordersExpirePending`,
          invocationType: 'RequestResponse',
          event: scheduledEvent,
        },
      ]),
    );
    expect(fakeLambda.invocations).toHaveLength(2);
    // and only the undelivered event went to the bus: the failed consumer's event reaches no other rule
    expect(
      bus
        .recentEvents()
        .slice(before)
        .map((event) => event.detail),
    ).toEqual([busEvent('evt-undelivered').detail]);
    expect(await countOf(dlq.url)).toBe(0);
  });

  it('on AWS, queues an asynchronous invocation of the function ARN without :$LATEST', async () => {
    const dlq = await createQueue(`${prefix}payments-events-dlq`);
    await sendAll(dlq.url, [functionFailure('paymentsForwardEvents', busEvent('evt-7'))]);

    const summary = await redrive(context('async'), { queue: 'payments-events' });

    expect(summary).toMatchObject({ moved: 1, failed: [] });
    expect(fakeLambda.invocations).toEqual([
      {
        functionName: `arn:aws:lambda:us-east-1:123456789012:function:${prefix}paymentsForwardEvents`,
        invocationType: 'Event',
        event: busEvent('evt-7'),
      },
    ]);
    expect(await countOf(dlq.url)).toBe(0);
  });

  it('keeps a record whose function fails again, or that names another stage’s function', async () => {
    // given the cause is not fixed yet for one event, and a record of another stage got here
    failing.add('evt-still-broken');
    const dlq = await createQueue(`${prefix}inventory-events-dlq`);
    await sendAll(dlq.url, [
      functionFailure('inventoryOnOrderEvents', busEvent('evt-still-broken')),
      functionFailure('inventoryOnOrderEvents', busEvent('evt-elsewhere'), 'prod'),
    ]);

    const summary = await redrive(context('sync'), { queue: 'inventory-events' });

    // then both stay in the DLQ, each with its reason, and the other stage's function was not invoked
    expect(summary.moved).toBe(0);
    expect(summary.failed.map((failure) => failure.error).sort()).toEqual([
      `${prefix}inventoryOnOrderEvents failed again: Error: stock item missing`,
      `the record names commerce-prod-inventoryOnOrderEvents, not a function of this stage (${prefix}…)`,
    ]);
    expect(fakeLambda.invocations.map((invocation) => invocation.event.detail.metadata.eventId)).toEqual([
      'evt-still-broken',
    ]);
    expect((await receiveAll(dlq.url)).length).toBe(2);
  });

  it('--dry-run shows each message’s shape and what it is about, and invokes nothing', async () => {
    const dlq = await createQueue(`${prefix}inventory-events-dlq`);
    await sendAll(dlq.url, [functionFailure('inventoryOnOrderEvents', busEvent('evt-5'))]);

    const summary = await redrive(context('sync'), { queue: 'inventory-events', dryRun: true });

    expect(summary.listed).toEqual([
      {
        id: expect.any(String),
        shape: 'function-failure',
        summary: `${prefix}inventoryOnOrderEvents RetriesExhausted after 3 attempt(s), Error: stock item missing | OrderPlaced evt-5 orderId=ord-1`,
        body: expect.any(String),
      },
    ]);
    expect(fakeLambda.invocations).toEqual([]);
    expect(await countOf(dlq.url)).toBe(1);
  });
});

describe('the outbox relays’ failure destination (stream batch records)', () => {
  it('moves nothing and gives one republish command per table and nearby windows', async () => {
    // given two failed batches of the orders table two minutes apart and one of payments
    const failures = await createQueue(`${prefix}outbox-relay-failures`);
    await sendAll(failures.url, [
      streamFailure('orders', '2026-11-22T10:00:00.000Z', '2026-11-22T10:00:02.500Z'),
      streamFailure('orders', '2026-11-22T10:02:00.000Z', '2026-11-22T10:02:01.000Z'),
      streamFailure('payments', '2026-11-22T11:00:00.000Z', '2026-11-22T11:00:00.000Z'),
    ]);

    const summary = await redrive(context(), { queue: 'outbox-relay-failures' });

    // then the records stay (they hold no events to move); the windows start a minute early and end a minute late
    expect(summary).toMatchObject({ moved: 0, failed: [] });
    expect(summary.dlq.kind).toBe('stream');
    expect(summary.kept).toHaveLength(3);
    expect(summary.commands).toEqual([
      `npm run outbox:republish -- --stage ${stage} --table commerce-${stage}-orders --from 2026-11-22T09:59:00.000Z --to 2026-11-22T10:03:02.000Z`,
      `npm run outbox:republish -- --stage ${stage} --table commerce-${stage}-payments --from 2026-11-22T10:59:00.000Z --to 2026-11-22T11:01:01.000Z`,
    ]);
    expect((await receiveAll(failures.url)).length).toBe(3);
  });

  it('a dry run lists the batches and prints the same commands', async () => {
    const failures = await createQueue(`${prefix}outbox-relay-failures`);
    await sendAll(failures.url, [
      streamFailure('orders', '2026-11-22T10:00:00.000Z', '2026-11-22T10:00:01.000Z'),
    ]);

    const summary = await redrive(context(), { queue: 'outbox-relay-failures', dryRun: true });

    expect(summary.listed).toEqual([
      {
        id: expect.any(String),
        shape: 'stream-failure',
        summary: `commerce-${stage}-orders batch of 3 record(s) RetryAttemptsExhausted; republish [2026-11-22T09:59:00.000Z, 2026-11-22T10:01:02.000Z)`,
        body: expect.any(String),
      },
    ]);
    expect(summary.commands).toEqual([
      `npm run outbox:republish -- --stage ${stage} --table commerce-${stage}-orders --from 2026-11-22T09:59:00.000Z --to 2026-11-22T10:01:02.000Z`,
    ]);
  });
});

describe('shapeOf', () => {
  it('tells the three shapes apart and refuses what is none of them', () => {
    expect(shapeOf(JSON.stringify(busEvent('e')))).toMatchObject({ shape: 'event' });
    expect(shapeOf(JSON.stringify(functionFailure('viewsProjectOrders', scheduledEvent)))).toEqual({
      shape: 'function-failure',
      functionName: `${prefix}viewsProjectOrders`,
      target: `arn:aws:lambda:us-east-1:123456789012:function:${prefix}viewsProjectOrders`,
      condition: 'RetriesExhausted',
      attempts: 3,
      error: 'Error: stock item missing',
      payload: scheduledEvent,
    });
    expect(
      shapeOf(JSON.stringify(streamFailure('orders', '2026-11-22T10:00:00Z', '2026-11-22T10:00:00Z'))),
    ).toEqual({
      shape: 'stream-failure',
      table: `${prefix}orders`,
      from: '2026-11-22T09:59:00.000Z',
      to: '2026-11-22T10:01:01.000Z',
      records: 3,
      condition: 'RetryAttemptsExhausted',
    });
    // an alias keeps its qualifier: that is what failed
    const aliased = functionFailure('ordersApplySagaEvent', {});
    aliased.requestContext.functionArn = aliased.requestContext.functionArn.replace('$LATEST', 'live');
    expect(shapeOf(JSON.stringify(aliased))).toMatchObject({ target: aliased.requestContext.functionArn });
    const { requestPayload: _dropped, ...withoutPayload } = functionFailure('x', {});
    expect(shapeOf(JSON.stringify(withoutPayload))).toMatchObject({ shape: 'other' });
    expect(shapeOf('{"requestContext":{"functionArn":"nope"}}')).toMatchObject({ shape: 'other' });
  });
});

describe('--list', () => {
  it('names each DLQ of the stage as <queue> takes it, with counts and where it redrives to', async () => {
    const { queue } = await priceChangesQueue();
    await poison(queue.url, 'espresso-cup', 'poison');
    await createQueue(`${prefix}payments-events-dlq`);
    await createQueue(`${prefix}payments-events-dlq.fifo`, { FifoQueue: 'true' });
    await createQueue(`${prefix}outbox-relay-failures`);

    const dlqs = await listDeadLetterQueues(context());

    expect(dlqs.map((dlq) => [dlq.shortName, dlq.kind, dlq.queue.visible, dlq.source?.name])).toEqual([
      ['catalog-price-changes.fifo', 'queue', 1, `${prefix}catalog-price-changes.fifo`],
      ['outbox-relay-failures', 'stream', 0, undefined],
      ['payments-events', 'rule', 0, undefined],
      ['payments-events.fifo', 'rule', 0, undefined],
    ]);
  });

  it('the CLI answers a usage error with exit code 2', async () => {
    const out: string[] = [];
    const io = {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: (text: string) => out.push(text) },
    };
    expect(await main([], io)).toBe(2);
    expect(await main(['orders-events', '--max', 'many'], io)).toBe(2);
    expect(out.join('')).toContain('usage: npm run redrive');
  });
});

describe('a queue DLQ on AWS (StartMessageMoveTask)', () => {
  /** A client that reaches fauxqs for the queues and a mocked SQS for the move task API fauxqs lacks. */
  function awsWithMoveTasks() {
    const aws = new SQSClient({ region: 'us-east-1', credentials });
    const api = mockClient(aws);
    api.on(ListQueuesCommand).callsFake((input) => sqs.send(new ListQueuesCommand(input)));
    api.on(GetQueueUrlCommand).callsFake((input) => sqs.send(new GetQueueUrlCommand(input)));
    api.on(GetQueueAttributesCommand).callsFake((input) => sqs.send(new GetQueueAttributesCommand(input)));
    api.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    return { aws, api };
  }

  it('starts a move task from the DLQ to its source queue and follows it to the end', async () => {
    // given the queues in fauxqs, seen through a client whose move task API is mocked
    const { queue, dlq } = await priceChangesQueue();
    await poison(queue.url, 'espresso-cup', 'poison');
    const { aws, api } = awsWithMoveTasks();
    const task = { ApproximateNumberOfMessagesToMove: 1 };
    api
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({
        Results: [{ ...task, TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 0 }],
      })
      .resolves({ Results: [{ ...task, Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 1 }] });

    // when it is redriven with the move task
    const summary = await redrive(
      { ...context(), sqs: aws, pollIntervalMs: 1 },
      { queue: 'catalog-price-changes', useMoveTask: true },
    );

    // then SQS was asked to move the DLQ into its source queue, and the run reports the task's progress
    expect(api.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: dlq.arn,
      DestinationArn: queue.arn,
    });
    expect(summary).toMatchObject({ moved: 1, failed: [] });
    expect(progress).toEqual(expect.arrayContaining(['moved 0/1', 'moved 1/1']));
    expect(api.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('reports a failed task as a failure with its reason', async () => {
    const { queue } = await priceChangesQueue();
    await poison(queue.url, 'espresso-cup', 'poison');
    const { aws, api } = awsWithMoveTasks();
    api.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          Status: 'FAILED',
          FailureReason: 'AccessDenied',
          ApproximateNumberOfMessagesMoved: 0,
          ApproximateNumberOfMessagesToMove: 1,
        },
      ],
    });

    const summary = await redrive(
      { ...context(), sqs: aws, pollIntervalMs: 1 },
      { queue: 'catalog-price-changes', useMoveTask: true },
    );

    expect(summary.failed).toEqual([{ id: '1 message(s)', error: 'move task FAILED: AccessDenied' }]);
  });
});

import { randomUUID } from 'node:crypto';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
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
import { listDeadLetterQueues, main, redrive, republishEntry } from '../../scripts/redrive.mjs';

/**
 * `scripts/redrive.mjs` against a real fauxqs and the local bus emulator: a poisoned FIFO message goes back
 * to its queue in its group, a rule DLQ's event is published again, a dry run moves nothing.
 */
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let server: FauxqsServer;
let bus: Awaited<ReturnType<typeof startEventBus>>;
let sqs: SQSClient;
let eventBridge: EventBridgeClient;
let prefix: string;
let progress: string[];

const context = () => ({
  sqs,
  eventBridge,
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
});

afterAll(async () => {
  sqs?.destroy();
  eventBridge?.destroy();
  await bus?.stop();
  await server?.stop();
});

beforeEach(() => {
  // A stage of its own per test: queues of other tests are not in the way.
  prefix = `commerce-it${randomUUID().slice(0, 6)}-`;
  progress = [];
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
        { id: expect.any(String), group: 'espresso-cup', body: 'x'.repeat(120) },
        { id: expect.any(String), group: 'hand-grinder', body: '{"short":true}' },
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

describe('--list', () => {
  it('names each DLQ of the stage as <queue> takes it, with counts and where it redrives to', async () => {
    const { queue } = await priceChangesQueue();
    await poison(queue.url, 'espresso-cup', 'poison');
    await createQueue(`${prefix}orders-events-dlq`);
    await createQueue(`${prefix}orders-events-dlq.fifo`, { FifoQueue: 'true' });

    const dlqs = await listDeadLetterQueues(context());

    expect(dlqs.map((dlq) => [dlq.shortName, dlq.kind, dlq.queue.visible, dlq.source?.name])).toEqual([
      ['catalog-price-changes.fifo', 'queue', 1, `${prefix}catalog-price-changes.fifo`],
      ['orders-events', 'rule', 0, undefined],
      ['orders-events.fifo', 'rule', 0, undefined],
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

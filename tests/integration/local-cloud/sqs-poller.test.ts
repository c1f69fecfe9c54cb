import { createHash, randomUUID } from 'node:crypto';
import { processPartialResponseSync, SqsFifoPartialProcessor } from '@aws-lambda-powertools/batch';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { FauxqsServer } from 'fauxqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSqs } from '../../../scripts/local-cloud/fauxqs-fifo.mjs';
import { startSqsPoller } from '../../../scripts/local-cloud/sqs-poller.mjs';
import { waitFor } from '../../support/eventually.js';

type InvokeResult = { ok: true; payload: unknown } | { ok: false; error: string };
type Handler = (event: SQSEvent) => unknown;

let server: FauxqsServer;
let sqs: SQSClient;
const pollers: { stop(): Promise<void> }[] = [];
const logs: string[] = [];
const log = (level: 'info' | 'warn' | 'error', message: string) => {
  logs.push(`${level}: ${message}`);
};

beforeAll(async () => {
  server = await startLocalSqs({ port: 0, logger: false });
  // fauxqs builds queue URLs as http://sqs.<region>.localhost:<port>/..., which do not resolve on every machine.
  // An explicit `endpoint` makes the SDK send every call there (its QueueUrl-as-endpoint rewrite only applies when
  // no endpoint is configured), and fauxqs finds the queue by the QueueUrl string in the request body.
  sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${server.port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});

afterAll(async () => {
  sqs?.destroy();
  await server?.stop();
});

async function createFifoQueueWithDlq(maxReceiveCount = 2) {
  const name = `t-${randomUUID().slice(0, 8)}`;
  const dlq = await sqs.send(
    new CreateQueueCommand({ QueueName: `${name}-dlq.fifo`, Attributes: { FifoQueue: 'true' } }),
  );
  const dlqUrl = dlq.QueueUrl as string;
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn as string;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}.fifo`,
      Attributes: {
        FifoQueue: 'true',
        ContentBasedDeduplication: 'true',
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
      },
    }),
  );
  const queueUrl = queue.QueueUrl as string;
  const queueArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
  ).Attributes?.QueueArn as string;
  return { name: `${name}.fifo`, queueUrl, queueArn, dlqUrl };
}

async function send(queueUrl: string, messages: { body: string; group: string }[]) {
  for (let start = 0; start < messages.length; start += 10) {
    const response = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.slice(start, start + 10).map((message, index) => ({
          Id: String(index),
          MessageBody: message.body,
          MessageGroupId: message.group,
        })),
      }),
    );
    expect(response.Failed ?? []).toEqual([]);
  }
}

/** Starts a poller whose invoke records every event and runs `handler` like serverless-offline would. */
function startRecordingPoller(
  queue: { queueUrl: string; queueArn: string },
  handler: Handler,
  options: { reportBatchItemFailures?: boolean; batchSize?: number; batchingWindowSeconds?: number } = {},
) {
  const events: SQSEvent[] = [];
  const invoke = async (_functionKey: string, event: unknown): Promise<InvokeResult> => {
    const sqsEvent = structuredClone(event) as SQSEvent;
    events.push(sqsEvent);
    try {
      return { ok: true, payload: await handler(sqsEvent) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  };
  const poller = startSqsPoller({
    sqs,
    queueUrl: queue.queueUrl,
    queueArn: queue.queueArn,
    functionKey: 'consumer',
    invoke,
    log,
    reportBatchItemFailures: options.reportBatchItemFailures ?? true,
    batchSize: options.batchSize ?? 10,
    maximumBatchingWindowInSeconds: options.batchingWindowSeconds ?? 0,
  });
  pollers.push(poller);
  const deliveries = () => events.flatMap((event) => event.Records.map((record) => record.body));
  return { events, deliveries };
}

function queueIsDrained(name: string) {
  const state = server.inspectQueue(name);
  if (!state) throw new Error(`no queue ${name}`);
  const { ready, delayed, inflight } = state.messages;
  return ready.length + delayed.length + inflight.length === 0;
}

describe('SQS poller against fauxqs', () => {
  it('(a) partial batch failure: only the reported messages come back, the others are deleted once', async () => {
    const queue = await createFifoQueueWithDlq(5);
    await send(queue.queueUrl, [
      { body: 'first', group: 'g1' },
      { body: 'middle', group: 'g2' },
      { body: 'last', group: 'g3' },
    ]);
    let failMiddle = true;
    const processor = new SqsFifoPartialProcessor();
    const { events, deliveries } = startRecordingPoller(queue, (event) =>
      processPartialResponseSync(
        event,
        (record: SQSRecord) => {
          if (record.body === 'middle' && failMiddle) {
            failMiddle = false;
            throw new Error('middle fails once');
          }
        },
        processor,
      ),
    );

    await waitFor(() => queueIsDrained(queue.name) && deliveries().length >= 5);
    const firstBatch = events[0]?.Records.map((record) => record.body);
    expect(firstBatch).toEqual(['first', 'middle', 'last']);
    // Powertools' FIFO processor reported "middle" and everything after it.
    expect(deliveries().filter((body) => body === 'first')).toHaveLength(1);
    expect(deliveries().filter((body) => body === 'middle')).toHaveLength(2);
    expect(deliveries().filter((body) => body === 'last')).toHaveLength(2);
    const redelivered = events.slice(1).flatMap((event) => event.Records);
    expect(redelivered.map((record) => record.body).sort()).toEqual(['last', 'middle']);
    for (const record of redelivered) expect(record.attributes.ApproximateReceiveCount).toBe('2');
  });

  it('(b) a poison message ends up in the DLQ after maxReceiveCount deliveries', async () => {
    const queue = await createFifoQueueWithDlq(2);
    await send(queue.queueUrl, [{ body: 'poison', group: 'p' }]);
    const { deliveries } = startRecordingPoller(queue, () => {
      throw new Error('cannot process this message');
    });

    const inDlq = await waitFor(async () => {
      const response = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      return response.Messages?.length ? response.Messages : undefined;
    });
    expect(inDlq.map((message: Message) => message.Body)).toEqual(['poison']);
    expect(deliveries()).toEqual(['poison', 'poison']);
    expect(queueIsDrained(queue.name)).toBe(true);
  });

  it('(c) a handler that throws gets the whole batch again', async () => {
    const queue = await createFifoQueueWithDlq(5);
    await send(queue.queueUrl, [
      { body: 'a', group: 'ga' },
      { body: 'b', group: 'gb' },
    ]);
    let calls = 0;
    const { events } = startRecordingPoller(queue, () => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return { batchItemFailures: [] } satisfies SQSBatchResponse;
    });

    await waitFor(() => queueIsDrained(queue.name) && events.length >= 2);
    expect(events.map((event) => event.Records.map((record) => record.body))).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(events[1]?.Records.map((record) => record.attributes.ApproximateReceiveCount)).toEqual(['2', '2']);
    expect(events[1]?.Records[0]?.messageId).toBe(events[0]?.Records[0]?.messageId);
  });

  it('(d) order within a message group is preserved across 10 messages, even through a retry', async () => {
    const queue = await createFifoQueueWithDlq(5);
    const bodies = Array.from({ length: 10 }, (_, index) => `m${index}`);
    await send(
      queue.queueUrl,
      bodies.map((body) => ({ body, group: 'order-1' })),
    );
    let failedOnce = false;
    const processed: string[] = [];
    const { events } = startRecordingPoller(queue, (event) =>
      processPartialResponseSync(
        event,
        (record: SQSRecord) => {
          if (record.body === 'm4' && !failedOnce) {
            failedOnce = true;
            throw new Error('m4 fails once');
          }
          processed.push(record.body);
        },
        new SqsFifoPartialProcessor(),
      ),
    );

    await waitFor(() => queueIsDrained(queue.name) && processed.length === 10);
    expect(processed).toEqual(bodies);
    // One batch of the whole group, then m4 and everything behind it again, in order.
    expect(events.map((event) => event.Records.map((record) => record.body))).toEqual([
      bodies,
      bodies.slice(4),
    ]);
  });

  it('builds the Lambda SQS event shape (FIFO attributes, camelCase message attributes)', async () => {
    const queue = await createFifoQueueWithDlq(5);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.queueUrl,
        Entries: [
          {
            Id: '0',
            MessageBody: '{"hello":"world"}',
            MessageGroupId: 'shape',
            MessageDeduplicationId: 'dedup-1',
            MessageAttributes: {
              text: { DataType: 'String', StringValue: 'value' },
              count: { DataType: 'Number', StringValue: '42' },
              blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
            },
          },
        ],
      }),
    );
    const { events } = startRecordingPoller(queue, () => undefined);
    await waitFor(() => events.length === 1 && queueIsDrained(queue.name));

    const record = events[0]?.Records[0] as SQSRecord;
    expect(Object.keys(record)).toEqual([
      'messageId',
      'receiptHandle',
      'body',
      'attributes',
      'messageAttributes',
      'md5OfMessageAttributes',
      'md5OfBody',
      'eventSource',
      'eventSourceARN',
      'awsRegion',
    ]);
    expect(record).toMatchObject({
      body: '{"hello":"world"}',
      md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.queueArn,
      awsRegion: 'us-east-1',
    });
    expect(record.messageId).toMatch(/[0-9a-f-]{36}/);
    expect(record.receiptHandle).toEqual(expect.any(String));
    expect(record.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(record.attributes).toEqual({
      ApproximateReceiveCount: '1',
      SentTimestamp: expect.stringMatching(/^\d{13}$/),
      SenderId: expect.any(String),
      ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      SequenceNumber: expect.stringMatching(/^\d+$/),
      MessageGroupId: 'shape',
      MessageDeduplicationId: 'dedup-1',
    });
    expect(record.messageAttributes).toEqual({
      text: { stringValue: 'value', stringListValues: [], binaryListValues: [], dataType: 'String' },
      count: { stringValue: '42', stringListValues: [], binaryListValues: [], dataType: 'Number' },
      blob: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
  });
});

describe('batching window (a standard queue, as the event store reads its queue)', () => {
  async function createStandardQueue() {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: `t-${randomUUID().slice(0, 8)}` }));
    const queueUrl = created.QueueUrl as string;
    const queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.QueueArn as string;
    return { queueUrl, queueArn };
  }

  async function sendOne(queueUrl: string, body: string) {
    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '0', MessageBody: body }] }),
    );
  }

  it('gathers messages that arrive apart into one batch, and never exceeds the batch size', async () => {
    const queue = await createStandardQueue();
    const { events } = startRecordingPoller(queue, () => ({ batchItemFailures: [] }), {
      batchSize: 10,
      batchingWindowSeconds: 2,
    });
    for (const body of ['one', 'two', 'three']) {
      await sendOne(queue.queueUrl, body);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await waitFor(() => events.length === 1, 10_000);
    expect(events[0]?.Records.map((record) => record.body).sort()).toEqual(['one', 'three', 'two']);

    for (let index = 0; index < 12; index++) await sendOne(queue.queueUrl, `m${index}`);
    await waitFor(() => events.slice(1).flatMap((event) => event.Records).length === 12, 15_000);
    expect(Math.max(...events.map((event) => event.Records.length))).toBeLessThanOrEqual(10);
  });

  it('refuses a batch size above 10 without a window, as AWS refuses the mapping', () => {
    expect(() =>
      startSqsPoller({
        sqs,
        queueUrl: 'http://unused',
        queueArn: 'arn:aws:sqs:us-east-1:000000000000:unused',
        functionKey: 'consumer',
        invoke: async () => ({ ok: true, payload: undefined }),
        log,
        batchSize: 25,
      }),
    ).toThrow('batching window');
  });
});

describe('FIFO batches as AWS hands them out: several messages of one group, in order', () => {
  const MAX_RECEIVE_COUNT = 3;
  const skipGroupOnError = (poison: string) => (event: SQSEvent) =>
    processPartialResponseSync(
      event,
      (record: SQSRecord) => {
        if (record.body === poison) throw new Error('poison');
      },
      new SqsFifoPartialProcessor(),
      { skipGroupOnError: true },
    );

  async function dlqBodies(dlqUrl: string) {
    const response = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    return (response.Messages ?? []).map((message) => message.Body);
  }

  it('(c) one receive returns the messages of a group together and in order', async () => {
    const queue = await createFifoQueueWithDlq(5);
    await send(queue.queueUrl, [
      { body: 'a0', group: 'order-a' },
      { body: 'b0', group: 'order-b' },
      { body: 'a1', group: 'order-a' },
      { body: 'a2', group: 'order-a' },
      { body: 'b1', group: 'order-b' },
      { body: 'a3', group: 'order-a' },
    ]);
    const { events } = startRecordingPoller(queue, () => undefined);
    await waitFor(() => queueIsDrained(queue.name) && events.length > 0);
    expect(events).toHaveLength(1);
    expect(events[0]?.Records.map((record) => `${record.attributes.MessageGroupId}:${record.body}`)).toEqual([
      'order-a:a0',
      'order-a:a1',
      'order-a:a2',
      'order-a:a3',
      'order-b:b0',
      'order-b:b1',
    ]);
  });

  it('(c) a poison message keeps its group waiting, each return counts a receive, and the group comes back in order', async () => {
    const queue = await createFifoQueueWithDlq(MAX_RECEIVE_COUNT);
    await send(queue.queueUrl, [
      { body: 'poison', group: 'order-1' },
      { body: 'cancel', group: 'order-1' },
      { body: 'refund', group: 'order-1' },
      { body: 'other', group: 'order-2' },
    ]);
    const { events, deliveries } = startRecordingPoller(queue, skipGroupOnError('poison'));
    const dead = await waitFor(async () => {
      const bodies = await dlqBodies(queue.dlqUrl);
      return bodies.length === 3 ? bodies : undefined;
    });

    const order1 = events.map((event) =>
      event.Records.filter((record) => record.attributes.MessageGroupId === 'order-1').map(
        (record) => `${record.body}#${record.attributes.ApproximateReceiveCount}`,
      ),
    );
    expect(order1).toEqual([
      ['poison#1', 'cancel#1', 'refund#1'],
      ['poison#2', 'cancel#2', 'refund#2'],
      ['poison#3', 'cancel#3', 'refund#3'],
    ]);
    expect(deliveries().filter((body) => body === 'other')).toHaveLength(1);
    // As on AWS: the messages skipped behind the poison were received as often as it was, so the receive that
    // dead-letters it dead-letters them too. Only a consumer that lets them through can save them.
    expect(dead).toEqual(['poison', 'cancel', 'refund']);
    expect(queueIsDrained(queue.name)).toBe(true);
  });

  it('(c) messages that queued up behind the poison later are processed in order once it is dead-lettered', async () => {
    const queue = await createFifoQueueWithDlq(MAX_RECEIVE_COUNT);
    await send(queue.queueUrl, [{ body: 'poison', group: 'order-1' }]);
    const { events, deliveries } = startRecordingPoller(queue, skipGroupOnError('poison'));
    await waitFor(() => events.length === 1);
    await send(queue.queueUrl, [
      { body: 'cancel', group: 'order-1' },
      { body: 'refund', group: 'order-1' },
    ]);

    await waitFor(
      () => queueIsDrained(queue.name) && deliveries().includes('refund') && deliveries().at(-1) === 'refund',
    );
    expect(await dlqBodies(queue.dlqUrl)).toEqual(['poison']);
    expect(events.map((event) => event.Records.map((record) => record.body))).toEqual([
      ['poison'],
      ['poison', 'cancel', 'refund'],
      ['poison', 'cancel', 'refund'],
      ['cancel', 'refund'],
    ]);
  });
});

describe('SQS poller batch-response rules (scripted SQS client)', () => {
  /** A stand-in SQSClient that hands out one batch and records deletions, to check each response rule alone. */
  function scriptedSqs(messages: Message[]) {
    let handedOut = false;
    const deleted: string[] = [];
    const client = {
      async send(command: unknown) {
        if (command instanceof ReceiveMessageCommand) {
          if (!handedOut) {
            handedOut = true;
            return { Messages: messages };
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
          return {};
        }
        if (command instanceof DeleteMessageBatchCommand) {
          for (const entry of command.input.Entries ?? []) deleted.push(entry.ReceiptHandle as string);
          return { Successful: command.input.Entries?.map((entry) => ({ Id: entry.Id })), Failed: [] };
        }
        throw new Error(`unexpected command ${String(command)}`);
      },
    };
    return { client: client as unknown as SQSClient, deleted };
  }

  const sameGroupBatch: Message[] = ['1', '2', '3'].map((n) => ({
    MessageId: `id-${n}`,
    ReceiptHandle: `rh-${n}`,
    Body: `body-${n}`,
    MD5OfBody: 'x',
    Attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1700000000000',
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: '1700000000001',
      MessageGroupId: 'one-group',
      MessageDeduplicationId: `d-${n}`,
      SequenceNumber: `1000${n}`,
    },
  }));

  async function runOnce(payload: unknown | Error, reportBatchItemFailures = true) {
    const { client, deleted } = scriptedSqs(sameGroupBatch);
    const events: SQSEvent[] = [];
    const poller = startSqsPoller({
      sqs: client,
      queueUrl: 'http://sqs.us-east-1.localhost:1/000000000000/q.fifo',
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
      functionKey: 'consumer',
      reportBatchItemFailures,
      log,
      invoke: async (_key: string, event: unknown) => {
        events.push(event as SQSEvent);
        return payload instanceof Error ? { ok: false, error: payload.message } : { ok: true, payload };
      },
    });
    pollers.push(poller);
    await waitFor(() => events.length === 1);
    await poller.stop();
    return { deleted, events };
  }

  it('(a-mock) same-group batch of 3, middle fails: deletes only the first', async () => {
    const { deleted, events } = await runOnce({
      batchItemFailures: [{ itemIdentifier: 'id-2' }, { itemIdentifier: 'id-3' }],
    });
    expect(
      events[0]?.Records.map((record) => `${record.attributes.MessageGroupId}/${record.messageId}`),
    ).toEqual(['one-group/id-1', 'one-group/id-2', 'one-group/id-3']);
    expect(deleted).toEqual(['rh-1']);
  });

  it('deletes everything on success and on an empty or null response', async () => {
    expect((await runOnce({ batchItemFailures: [] })).deleted).toEqual(['rh-1', 'rh-2', 'rh-3']);
    expect((await runOnce(null)).deleted).toEqual(['rh-1', 'rh-2', 'rh-3']);
    expect((await runOnce(undefined)).deleted).toEqual(['rh-1', 'rh-2', 'rh-3']);
  });

  it('treats an unknown or malformed itemIdentifier as a failure of the whole batch', async () => {
    expect((await runOnce({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] })).deleted).toEqual([]);
    expect((await runOnce({ batchItemFailures: [{ itemIdentifier: '' }] })).deleted).toEqual([]);
    expect((await runOnce({ batchItemFailures: [{}] })).deleted).toEqual([]);
    expect((await runOnce({ batchItemFailures: 'id-1' })).deleted).toEqual([]);
  });

  it('deletes nothing when the handler fails, and ignores batchItemFailures when the feature is off', async () => {
    expect((await runOnce(new Error('timeout'))).deleted).toEqual([]);
    expect((await runOnce({ batchItemFailures: [{ itemIdentifier: 'id-2' }] }, false)).deleted).toEqual([
      'rh-1',
      'rh-2',
      'rh-3',
    ]);
  });
});

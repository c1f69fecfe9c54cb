import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.IDEMPOTENCY_TABLE_NAME = 'commerce-test-idempotency';
  process.env.FIFO_DEAD_LETTER_QUEUE_URL =
    'http://sqs.local/000000000000/commerce-test-price-changes-dlq.fifo';
  process.env.FIFO_MAX_RECEIVE_COUNT = '3';
});

import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type PriceChangeCommand, priceChangeCommandSchema } from '../../../domains/catalog/schemas.js';
import { sqsFifoConsumer } from '../../../shared/consumers/sqs-fifo.js';
import { idempotentWork } from '../../../shared/idempotency.js';
import { fakeContext } from './lambda-fakes.js';

const IDEMPOTENCY_TABLE = 'commerce-test-idempotency';
const dynamo = mockClient(DynamoDBClient);
const sqsMock = mockClient(SQSClient);

function command(n: number, overrides: Partial<PriceChangeCommand> = {}): PriceChangeCommand {
  return {
    commandId: `cmd-${n}`,
    productId: 'espresso-cup',
    price: { amount: 1000 + n, currency: 'EUR' },
    requestedAt: '2026-11-22T10:00:00.000Z',
    correlationId: `corr-${n}`,
    ...overrides,
  };
}

function message(messageId: string, groupId: string, body: unknown, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '1795860000000',
      SenderId: 'AIDA000000000',
      ApproximateFirstReceiveTimestamp: '1795860000001',
      MessageGroupId: groupId,
      MessageDeduplicationId: `dedup-${messageId}`,
      SequenceNumber: `1800000000000000${messageId.length}`,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:commerce-test-price-changes.fifo',
    awsRegion: 'us-east-1',
  };
}

const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const invalid = (n: number) => command(n, { price: { amount: -5, currency: 'euro' } });

/** A consumer like the catalog's apply-price-change, recording what its handler was given. */
function consumer(handle: (message: PriceChangeCommand) => Promise<void> = async () => undefined) {
  const handled: PriceChangeCommand[] = [];
  const handler = sqsFifoConsumer(
    {
      body: priceChangeCommandSchema,
      idempotency: idempotentWork,
      identify: (message) => ({ idempotencyKey: message.commandId, correlationId: message.correlationId }),
    },
    async (message) => {
      handled.push(message);
      await handle(message);
    },
  );
  return {
    handled,
    run: (event: SQSEvent) => handler(event, fakeContext('commerce-test-apply-price-change')),
  };
}

function storedRecord(status: 'COMPLETED' | 'INPROGRESS') {
  const now = Date.now();
  return marshall({
    id: 'commerce-test-apply-price-change#stored',
    status,
    expiration: Math.floor(now / 1000) + 3600,
    in_progress_expiration: now + 60_000,
  });
}

function alreadyStored(status: 'COMPLETED' | 'INPROGRESS') {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    Item: storedRecord(status),
  });
}

const putKeys = () =>
  dynamo.commandCalls(PutItemCommand).map((call) => unmarshall(call.args[0].input.Item ?? {}).id as string);

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dead-lettered' });
  dynamo.reset();
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
});

describe('sqsFifoConsumer', () => {
  it('processes a valid batch once per message and marks each idempotency record completed', async () => {
    // given two valid messages of one product
    const { handled, run } = consumer();

    // when the batch arrives
    const result = await run(
      batch(message('m1', 'espresso-cup', command(1)), message('m2', 'espresso-cup', command(2))),
    );

    // then each ran once, in order, and nothing is returned to the queue
    expect(handled.map((c) => c.commandId)).toEqual(['cmd-1', 'cmd-2']);
    expect(result).toEqual({ batchItemFailures: [] });
    // and each was locked in the idempotency table, then recorded as completed
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(2);
    expect(dynamo.commandCalls(PutItemCommand)[0]?.args[0].input.TableName).toBe(IDEMPOTENCY_TABLE);
    const completed = dynamo
      .commandCalls(UpdateItemCommand)
      .map((call) => unmarshall(call.args[0].input.ExpressionAttributeValues ?? {})[':status']);
    expect(completed).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('fails an invalid message and every later message of its group, running the handler only for the first', async () => {
    // given three messages of one group, the middle one breaking its contract
    const { handled, run } = consumer();

    // when the batch arrives
    const result = await run(
      batch(
        message('m1', 'espresso-cup', command(1)),
        message('m2', 'espresso-cup', invalid(2)),
        message('m3', 'espresso-cup', command(3)),
      ),
    );

    // then the 2nd and 3rd go back to the queue (keeping their order), the 1st is done
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }] });
    expect(handled).toEqual([command(1)]);
    // and no idempotency record was taken for the skipped ones
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('keeps processing other groups after a failure (skipGroupOnError)', async () => {
    // given two interleaved groups, group A failing on its second message
    const { handled, run } = consumer();

    // when the batch arrives
    const result = await run(
      batch(
        message('a1', 'group-a', command(1)),
        message('a2', 'group-a', invalid(2)),
        message('b1', 'group-b', command(3)),
        message('a3', 'group-a', command(4)),
        message('b2', 'group-b', command(5)),
      ),
    );

    // then only group A's failure and its followers are returned; group B is fully applied
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }] });
    expect(handled.map((c) => c.commandId)).toEqual(['cmd-1', 'cmd-3', 'cmd-5']);
  });

  it('fails a message that is not JSON', async () => {
    // given a body that is not JSON
    const { handled, run } = consumer();

    // when it arrives
    const result = await run(batch(message('m1', 'g', 'price=12'), message('m2', 'other', command(2))));

    // then it is returned to the queue and other groups go on
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(handled.map((c) => c.commandId)).toEqual(['cmd-2']);
  });

  it('does not run the handler again for a redelivered message whose key already completed', async () => {
    // given a command processed once; afterwards the idempotency table holds its COMPLETED record
    dynamo.on(PutItemCommand).resolvesOnce({}).rejects(alreadyStored('COMPLETED'));
    const { handled, run } = consumer();
    await run(batch(message('m1', 'espresso-cup', command(1))));
    expect(handled).toHaveLength(1);

    // when SQS delivers the same command again
    const result = await run(batch(message('m1-again', 'espresso-cup', command(1))));

    // then it is acknowledged without running the handler again or touching the record
    expect(handled).toHaveLength(1);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(DeleteItemCommand)).toHaveLength(0);
  });

  it('returns a message to the queue while another delivery of it is still in progress', async () => {
    // given another consumer holds the IN PROGRESS lock for the first command only
    dynamo.on(PutItemCommand).rejectsOnce(alreadyStored('INPROGRESS')).resolves({});
    const { handled, run } = consumer();

    // when the duplicate arrives with a message of another group
    const result = await run(
      batch(message('m1', 'espresso-cup', command(1)), message('m2', 'milk-jug', command(2))),
    );

    // then the duplicate is neither run nor acknowledged (it comes back later); the other group goes on
    expect(handled.map((c) => c.commandId)).toEqual(['cmd-2']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });

  it('fails the whole invocation when every message of the batch fails, so SQS returns them all', async () => {
    // given a batch of invalid messages only
    const { handled, run } = consumer();

    // when it arrives
    const attempt = run(batch(message('m1', 'g', invalid(1)), message('m2', 'h', invalid(2))));

    // then the invocation errors (Powertools' full-batch failure) and nothing ran
    await expect(attempt).rejects.toThrow(/All records failed processing/);
    expect(handled).toEqual([]);
  });

  it('keys idempotency on the command id alone', async () => {
    // given two deliveries of the same command that differ elsewhere, and another command
    const { run } = consumer();

    // when they are processed in separate invocations
    await run(batch(message('m1', 'g', command(1))));
    await run(batch(message('m2', 'g', command(1, { requestedAt: '2026-11-22T10:05:00.000Z' }))));
    await run(batch(message('m3', 'g', command(2))));

    // then the first two share one idempotency key and the third has its own
    const [first, second, third] = putKeys();
    expect(first).toBe(second);
    expect(third).not.toBe(first);
  });

  it('releases the idempotency lock when the handler fails, so the retry can run', async () => {
    // given a handler that fails on the first message
    const { handled, run } = consumer(async (message) => {
      if (message.commandId === 'cmd-1') throw new Error('product table unavailable');
    });

    // when the batch arrives
    const result = await run(
      batch(
        message('m1', 'g', command(1)),
        message('m2', 'g', command(2)),
        message('m3', 'other', command(3)),
      ),
    );

    // then the failed message and its follower are returned, the lock on the failed one is deleted
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(handled.map((c) => c.commandId)).toEqual(['cmd-1', 'cmd-3']);
    const deleted = dynamo
      .commandCalls(DeleteItemCommand)
      .map((call) => unmarshall(call.args[0].input.Key ?? {}).id);
    expect(deleted).toEqual([putKeys()[0]]);
    // and only the successful one is recorded as completed
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('dead-letters a message failing on its last allowed receive and processes the rest of its group in order', async () => {
    // given a poison message on its 3rd (last) receive, with two good messages of its group behind it,
    // returned with it every time, as SQS does for a FIFO group
    const { handled, run } = consumer();

    // when the batch arrives
    const result = await run(
      batch(
        message('m1', 'espresso-cup', invalid(1), 3),
        message('m2', 'espresso-cup', command(2), 3),
        message('m3', 'espresso-cup', command(3), 3),
      ),
    );

    // then only the poison went to the DLQ, in its group, under its own message id
    const sent = sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      QueueUrl: process.env.FIFO_DEAD_LETTER_QUEUE_URL,
      MessageBody: JSON.stringify(invalid(1)),
      MessageGroupId: 'espresso-cup',
      MessageDeduplicationId: 'm1',
    });
    expect(sent[0]?.MessageAttributes?.deadLetterReason?.StringValue).toMatch(/does not match its contract/);
    // and the good messages behind it were applied, in order, and nothing returns to the queue
    expect(handled.map((c) => c.commandId)).toEqual(['cmd-2', 'cmd-3']);
    expect(result).toEqual({ batchItemFailures: [] });
  });

  it('returns a failing message with its group before its last receive, without dead-lettering it', async () => {
    // given a poison message on its 2nd of 3 receives
    const { handled, run } = consumer();

    // when the batch arrives
    const result = await run(
      batch(
        message('m1', 'g', invalid(1), 2),
        message('m2', 'g', command(2), 2),
        message('x', 'h', command(9)),
      ),
    );

    // then SQS gets both back, nothing is dead-lettered yet and nothing overtook the poison
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(handled.map((c) => c.commandId)).toEqual(['cmd-9']);
  });

  it('leaves the message to SQS redrive when it cannot be dead-lettered', async () => {
    // given the DLQ cannot be written
    sqsMock.on(SendMessageCommand).rejects(new Error('AccessDenied'));
    const { handled, run } = consumer();

    // when a poison message fails on its last receive ahead of a good one
    const result = await run(
      batch(
        message('m1', 'g', invalid(1), 3),
        message('m2', 'g', command(2), 3),
        message('x', 'h', command(9)),
      ),
    );

    // then both are returned, in order (SQS's redrive moves them next), and the good one did not overtake
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(handled.map((c) => c.commandId)).toEqual(['cmd-9']);
  });
});

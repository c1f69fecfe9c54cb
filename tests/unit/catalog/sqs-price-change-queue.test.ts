import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsPriceChangeQueue } from '../../../domains/catalog/adapters/sqs-price-change-queue.js';
import type { PriceChangeCommand } from '../../../domains/catalog/schemas.js';

/*
 * One product's price changes must be applied one at a time, in the order they were accepted, and
 * different products in parallel: the FIFO group is the product. Grouped by command id, two quick
 * changes of one product could be applied in either order and the older price could win.
 */
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/commerce-test-price-changes.fifo';
const sqs = mockClient(SQSClient);
const queue = new SqsPriceChangeQueue(new SQSClient({ region: 'us-east-1' }), QUEUE_URL);

const command = (commandId: string, productId: string, amount: number): PriceChangeCommand => ({
  commandId,
  productId,
  price: { amount, currency: 'EUR' },
  requestedAt: '2026-11-22T10:00:00.000Z',
  correlationId: `corr-${commandId}`,
});

const sent = () => sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

describe('SqsPriceChangeQueue', () => {
  it('groups by product and deduplicates by command id', async () => {
    await queue.enqueue(command('cmd-1', 'espresso-cup', 1300));

    expect(sent()).toEqual([
      {
        QueueUrl: QUEUE_URL,
        MessageBody: JSON.stringify(command('cmd-1', 'espresso-cup', 1300)),
        MessageGroupId: 'espresso-cup',
        MessageDeduplicationId: 'cmd-1',
        MessageAttributes: { correlationId: { DataType: 'String', StringValue: 'corr-cmd-1' } },
      },
    ]);
  });

  it('puts two changes of one product in one group, and another product in its own', async () => {
    await queue.enqueue(command('cmd-1', 'espresso-cup', 1300));
    await queue.enqueue(command('cmd-2', 'milk-jug', 2100));
    await queue.enqueue(command('cmd-3', 'espresso-cup', 1400));

    expect(sent().map((message) => message.MessageGroupId)).toEqual([
      'espresso-cup',
      'milk-jug',
      'espresso-cup',
    ]);
    expect(sent().map((message) => message.MessageDeduplicationId)).toEqual(['cmd-1', 'cmd-2', 'cmd-3']);
  });
});

import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { PriceChangeQueue } from '../ports.js';
import type { PriceChangeCommand } from '../schemas.js';

/** Price changes are grouped by product, so each product's changes are applied one at a time, in order. */
export class SqsPriceChangeQueue implements PriceChangeQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(command: PriceChangeCommand): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(command),
        MessageGroupId: command.productId,
        MessageDeduplicationId: command.commandId,
        MessageAttributes: { correlationId: { DataType: 'String', StringValue: command.correlationId } },
      }),
    );
  }
}

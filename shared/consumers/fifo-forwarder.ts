import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { sqs } from '../aws/clients.js';
import { requiredEnv } from '../config.js';
import { logger, useCorrelationId } from '../observability.js';
import { type BusEvent, busEventSchema } from './bus-event.js';

/**
 * EventBridge rules can only give an SQS FIFO target a fixed MessageGroupId. This forwarder, the rule's
 * target, puts each event on the consumer's FIFO queue grouped by its aggregate id (for example the
 * order id), deduplicated by event id, so one aggregate's events are processed one at a time.
 */
export function fifoForwarder(options: { queueUrlVariable: string; groupIdOf: (event: BusEvent) => string }) {
  const forward = async (raw: unknown): Promise<void> => {
    const event = busEventSchema.parse(raw);
    const correlationId = String(event.detail.metadata.correlationId ?? event.id);
    useCorrelationId(correlationId);
    const groupId = options.groupIdOf(event);
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: requiredEnv(options.queueUrlVariable),
        MessageBody: JSON.stringify(event),
        MessageGroupId: groupId,
        MessageDeduplicationId: event.detail.metadata.eventId,
        MessageAttributes: { correlationId: { DataType: 'String', StringValue: correlationId } },
      }),
    );
    // DEBUG: a forward decides nothing, and the consumer behind the queue logs what the event did (entry 58)
    logger.debug('Forwarded event to FIFO queue', { eventType: event['detail-type'], groupId });
  };
  return middy(forward).use(injectLambdaContext(logger, { resetKeys: true }));
}

import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from '../../events/zod.js';
import { sqs } from '../aws/clients.js';
import { requiredEnv } from '../config.js';
import type { idempotentWork } from '../idempotency.js';
import { logger, metrics } from '../observability.js';
import { busEventSchema, type EventHandlers, handleBusEventWith } from './bus-event.js';
import { withConsumerMiddleware } from './middleware.js';
import { handleMessage } from './sqs-message.js';

export interface MessageIdentity {
  /** Deliveries with the same key are processed once, where the consumer keeps idempotency records. */
  idempotencyKey: string;
  correlationId: string;
}

export interface SqsConsumerOptions<Schema extends z.ZodMiniType> {
  /** The message body, validated before the domain sees it; an invalid body fails its record. */
  body: Schema;
  identify: (message: z.output<Schema>, record: SQSRecord) => MessageIdentity;
  /**
   * `idempotentWork` (shared/idempotency.ts) for a consumer whose work is not idempotent by itself: one
   * Powertools idempotency record per message key. Passed in rather than imported here, so the consumers
   * whose writes are conditional on the state and version they read (a redelivery changes nothing) do
   * not bundle Powertools idempotency nor write its records (decisions.md, entries 32 and 33).
   */
  idempotency?: typeof idempotentWork;
}

/**
 * Where a message that failed on its last allowed receive goes, and how many receives it gets. Both come
 * from the function's environment, set in serverless.yml from the same values as the queue's
 * RedrivePolicy (`custom.fifoMaxReceiveCount`).
 */
function deadLetterSettings() {
  return {
    queueUrl: requiredEnv('FIFO_DEAD_LETTER_QUEUE_URL'),
    maxReceiveCount: Number(requiredEnv('FIFO_MAX_RECEIVE_COUNT')),
  };
}

function isLastReceive(record: SQSRecord): boolean {
  return Number(record.attributes.ApproximateReceiveCount) >= deadLetterSettings().maxReceiveCount;
}

/**
 * SQS hands a FIFO consumer several messages of one group in one batch, and a partial failure must
 * return the failed message with every later message of its group. Each return counts a receive, so
 * when SQS's own redrive finally moves a poison message, the good messages behind it, received as often,
 * go to the DLQ with it (an OrderCancelled that should void a payment, say). On its last allowed receive
 * the consumer therefore moves the failing message to the DLQ itself and lets its group go on; SQS's
 * redrive stays as the backstop for attempts that never reach this code (a crash, a timeout).
 */
async function deadLetter(record: SQSRecord, error: unknown): Promise<void> {
  const groupId = record.attributes.MessageGroupId;
  await sqs().send(
    new SendMessageCommand({
      QueueUrl: deadLetterSettings().queueUrl,
      MessageBody: record.body,
      ...(groupId ? { MessageGroupId: groupId } : {}),
      // The message id is unique per message in the source queue: a message redriven and dead-lettered
      // again is a new message there, so the DLQ's 5-minute deduplication never swallows it.
      MessageDeduplicationId: record.messageId,
      MessageAttributes: {
        ...Object.fromEntries(
          Object.entries(record.messageAttributes ?? {})
            .filter(([, attribute]) => attribute.stringValue !== undefined)
            .map(([name, attribute]) => [
              name,
              { DataType: attribute.dataType, StringValue: attribute.stringValue },
            ]),
        ),
        deadLetterReason: {
          DataType: 'String',
          StringValue: (error instanceof Error ? error.message : String(error)).slice(0, 1024) || 'unknown',
        },
        receiveCount: { DataType: 'Number', StringValue: record.attributes.ApproximateReceiveCount },
      },
    }),
  );
  logger.error('Moved a message that failed on its last allowed receive to the DLQ', {
    messageId: record.messageId,
    groupId,
    receiveCount: record.attributes.ApproximateReceiveCount,
    error: error as Error,
  });
  metrics.addMetric('MessagesDeadLettered', MetricUnit.Count, 1);
}

/**
 * The one middleware stack of every SQS FIFO consumer: each record is validated, logged with its
 * correlation id and processed (at most once per key with `idempotency`). A failing record fails the rest of its
 * message group (Powertools SqsFifoPartialProcessor), so later messages of that group are redelivered
 * in order, earlier ones are not, and other groups go on. On its last allowed receive a failing record
 * is dead-lettered by the consumer and the rest of its group is processed (see `deadLetter`).
 */
export function sqsFifoConsumer<Schema extends z.ZodMiniType>(
  options: SqsConsumerOptions<Schema>,
  handle: (message: z.output<Schema>) => Promise<void>,
) {
  const once = options.idempotency?.(handle);

  const processRecord = async (record: SQSRecord): Promise<void> => {
    try {
      await validateAndRun(record);
    } catch (error) {
      if (!isLastReceive(record)) throw error;
      await deadLetter(record, error);
    }
  };

  const validateAndRun = (record: SQSRecord): Promise<void> =>
    handleMessage(
      record,
      options.body,
      (message) => options.identify(message, record).correlationId,
      (message) =>
        once
          ? once.run({ key: options.identify(message, record).idempotencyKey, input: message })
          : handle(message),
    );

  const consume = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    once?.registerContext(context);
    return processPartialResponse(event, processRecord, new SqsFifoPartialProcessorAsync(), {
      context,
      skipGroupOnError: true,
    });
  };

  return withConsumerMiddleware(consume);
}

/**
 * A FIFO consumer of bus events (forwarded by `fifoForwarder`): each event is validated against its
 * contract and handled in the order of its message group. Like `eventConsumer`, it keeps no idempotency
 * record: its handlers are idempotent through their own store (decisions.md, entries 32 and 33).
 */
export function sqsFifoEventConsumer(handlers: EventHandlers) {
  return sqsFifoConsumer(
    {
      body: busEventSchema,
      identify: (event) => ({
        idempotencyKey: event.detail.metadata.eventId,
        correlationId: String(event.detail.metadata.correlationId ?? event.id),
      }),
    },
    handleBusEventWith(handlers),
  );
}

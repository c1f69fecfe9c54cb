import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from '../../events/zod.js';
import { logger } from '../observability.js';
import { busEventSchema, type EventHandlers, handleBusEventWith } from './bus-event.js';
import { withConsumerMiddleware } from './middleware.js';
import { handleMessage } from './sqs-message.js';

export interface SqsBatchConsumerOptions<Schema extends z.ZodMiniType> {
  /** The message body, validated before the handler sees it; an invalid body fails its record. */
  body: Schema;
  correlationIdOf: (message: z.output<Schema>) => string;
}

/**
 * The one middleware stack of every consumer of a standard (not FIFO) queue, for work whose order does
 * not matter and that is cheaper in batches: each record is validated and handled on its own, one after
 * the other, so each log line carries its own record's correlation id. A failing record is reported
 * alone (ReportBatchItemFailures): it comes back after its visibility timeout, and the queue's redrive
 * policy moves it to the DLQ after its last allowed receive; the others are deleted. Handlers must be
 * idempotent: a standard queue delivers at least once, and on AWS several batches run at the same time.
 */
export function sqsBatchConsumer<Schema extends z.ZodMiniType>(
  options: SqsBatchConsumerOptions<Schema>,
  handle: (message: z.output<Schema>) => Promise<void>,
) {
  const processRecord = async (record: SQSRecord): Promise<void> => {
    try {
      await handleMessage(record, options.body, options.correlationIdOf, handle);
    } catch (error) {
      logger.error('Message failed: it comes back after its visibility timeout, then goes to the DLQ', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: error as Error,
      });
      throw error;
    }
  };

  const consume = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, processRecord, new BatchProcessor(EventType.SQS), {
      context,
      processInParallel: false,
    });

  return withConsumerMiddleware(consume);
}

/**
 * A consumer of bus events that reach it in batches through its own standard queue (`busQueue` on the
 * function, expanded by scripts/deploy/operations-plugin.mjs; decisions.md, entry 34): each event is
 * validated against its contract and routed like `eventConsumer` routes it. For consumers whose work
 * does not depend on delivery order and can wait a batching window: projections, notifications.
 */
export function sqsBatchEventConsumer(handlers: EventHandlers) {
  return sqsBatchConsumer(
    {
      body: busEventSchema,
      correlationIdOf: (event) => String(event.detail.metadata.correlationId ?? event.id),
    },
    handleBusEventWith(handlers),
  );
}

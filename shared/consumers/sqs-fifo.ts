import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { idempotentWork } from '../idempotency.js';
import { logger, metrics, tracer, useCorrelationId } from '../observability.js';
import { busEventSchema, type EventHandlers, routeBusEvent } from './bus-event.js';

export interface MessageIdentity {
  /** Deliveries with the same key are processed once. */
  idempotencyKey: string;
  correlationId: string;
}

export interface SqsConsumerOptions<Schema extends z.ZodType> {
  /** The message body, validated before the domain sees it; an invalid body fails its record. */
  body: Schema;
  identify: (message: z.output<Schema>, record: SQSRecord) => MessageIdentity;
}

function parseBody(record: SQSRecord): unknown {
  try {
    return JSON.parse(record.body);
  } catch {
    throw new Error(`Message ${record.messageId} is not JSON`);
  }
}

/**
 * The one middleware stack of every SQS FIFO consumer: each record is validated, logged with its
 * correlation id and processed at most once (idempotency by key). A failing record fails the rest of its
 * message group (Powertools SqsFifoPartialProcessor), so later messages of that group are redelivered
 * in order, earlier ones are not, and other groups go on.
 */
export function sqsFifoConsumer<Schema extends z.ZodType>(
  options: SqsConsumerOptions<Schema>,
  handle: (message: z.output<Schema>) => Promise<void>,
) {
  const once = idempotentWork(handle);

  const processRecord = async (record: SQSRecord): Promise<void> => {
    const result = options.body.safeParse(parseBody(record));
    if (!result.success) {
      logger.error('Rejecting a message that does not match its contract', {
        messageId: record.messageId,
        issues: result.error.issues,
      });
      metrics.addMetric('InvalidMessages', MetricUnit.Count, 1);
      throw new Error(`Message ${record.messageId} does not match its contract`);
    }
    const identity = options.identify(result.data, record);
    useCorrelationId(identity.correlationId);
    try {
      await once.run({ key: identity.idempotencyKey, input: result.data });
      metrics.addMetric('MessagesProcessed', MetricUnit.Count, 1);
    } finally {
      logger.removeKeys(['correlationId']);
    }
  };

  const consume = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    once.registerContext(context);
    return processPartialResponse(event, processRecord, new SqsFifoPartialProcessorAsync(), {
      context,
      skipGroupOnError: true,
    });
  };

  return middy(consume)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

/**
 * A FIFO consumer of bus events (forwarded by `fifoForwarder`): each event is validated against its
 * contract and handled once per event id, in the order of its message group.
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
    async (event) => {
      const routed = routeBusEvent(event, handlers);
      if (!routed) {
        logger.warn('Ignoring an event this consumer has no handler for', {
          detailType: event['detail-type'],
        });
        return;
      }
      await routed.run();
    },
  );
}

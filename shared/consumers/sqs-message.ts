import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import type * as z from '../../events/zod.js';
import { logger, metrics, useCorrelationId } from '../observability.js';

function parseBody(record: SQSRecord): unknown {
  try {
    return JSON.parse(record.body);
  } catch {
    throw new Error(`Message ${record.messageId} is not JSON`);
  }
}

/**
 * The record's body, validated against its contract before any domain code sees it. An invalid body is
 * logged (its issues, never the body, which may hold personal data) and fails its record.
 */
export function validatedMessage<Schema extends z.ZodMiniType>(
  record: SQSRecord,
  schema: Schema,
): z.output<Schema> {
  const result = schema.safeParse(parseBody(record));
  if (!result.success) {
    logger.error('Rejecting a message that does not match its contract', {
      messageId: record.messageId,
      issues: result.error.issues,
    });
    metrics.addMetric('InvalidMessages', MetricUnit.Count, 1);
    throw new Error(`Message ${record.messageId} does not match its contract`);
  }
  return result.data;
}

/**
 * One record's work in every queue consumer: the body validated, the message's correlation id on each log
 * line while `run` handles it, the processed message counted. A failure is thrown for the batch processor.
 */
export async function handleMessage<Schema extends z.ZodMiniType>(
  record: SQSRecord,
  schema: Schema,
  correlationIdOf: (message: z.output<Schema>) => string,
  run: (message: z.output<Schema>) => Promise<unknown>,
): Promise<void> {
  const message = validatedMessage(record, schema);
  useCorrelationId(correlationIdOf(message));
  try {
    await run(message);
    metrics.addMetric('MessagesProcessed', MetricUnit.Count, 1);
  } finally {
    logger.removeKeys(['correlationId']);
  }
}

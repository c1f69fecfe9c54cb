import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { appendEvent } from '../../domains/eventstore/append-event.js';
import { recordableEventSchema } from '../../domains/eventstore/schemas.js';
import { logger, metrics, useCorrelationId } from '../../shared/observability.js';
import { eventStore } from './dependencies.js';

/**
 * The rule target that appends every bus event to the store. Not `eventConsumer`, on purpose:
 * - it routes by contract, while the store keeps every type and version, known to a contract or not;
 * - it runs the work through the Powertools idempotency table. Here the work is ONE conditional put keyed
 *   on the event id: a redelivery finds the item and is a no-op, two concurrent deliveries race on the
 *   condition and exactly one wins. There is no partial side effect for an idempotency record to guard,
 *   so it would only add two writes, an IAM grant and a failure mode to every event on the bus.
 * An event without the envelope metadata fails the invocation: retried, then kept in the rule's DLQ.
 */
const append = async (raw: unknown): Promise<void> => {
  const parsed = recordableEventSchema.safeParse(raw);
  if (!parsed.success) {
    logger.error('Cannot store an event without the envelope metadata', { issues: parsed.error.issues });
    throw new Error('The event does not carry the envelope metadata the event store is indexed by');
  }
  const { eventId, eventType, correlationId } = parsed.data.detail.metadata;
  useCorrelationId(correlationId);
  const outcome = await appendEvent(parsed.data, { store: eventStore() });
  logger.info(outcome === 'appended' ? 'Event stored' : 'Event already stored: nothing written', {
    eventType,
    eventId,
  });
  metrics.addMetric(outcome === 'appended' ? 'EventsStored' : 'DuplicateEventsIgnored', MetricUnit.Count, 1);
};

export const handler = middy(append)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));

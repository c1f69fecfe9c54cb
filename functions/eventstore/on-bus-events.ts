import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { appendEvent } from '../../domains/eventstore/append-event.js';
import { recordableEventSchema } from '../../domains/eventstore/schemas.js';
import { sqsBatchConsumer } from '../../shared/consumers/sqs-batch.js';
import { logger, metrics } from '../../shared/observability.js';
import { eventStore } from './dependencies.js';

/**
 * Appends every bus event to the store, in batches from the event store's queue (a rule sends every
 * commerce.* event there; decisions.md, entry 34). It routes by nothing: the store keeps every type and
 * version, known to a contract or not. No idempotency record: the work is ONE conditional put keyed on the
 * event id, so a redelivery finds the item and is a no-op. A body without the envelope metadata fails its
 * record, which the queue's redrive policy sends to its DLQ after the last allowed receive.
 */
export const handler = sqsBatchConsumer(
  { body: recordableEventSchema, correlationIdOf: (event) => event.detail.metadata.correlationId },
  async (event) => {
    const { eventId, eventType } = event.detail.metadata;
    const outcome = await appendEvent(event, { store: eventStore() });
    // An append at DEBUG: the store itself is the record of every event (GET /admin/events), and a line per
    // event was a quarter of the stack's log bytes (decisions.md, entry 58). A duplicate stays at INFO.
    const details = { eventType, eventId };
    if (outcome === 'appended') logger.debug('Event stored', details);
    else logger.info('Event already stored: nothing written', details);
    metrics.addMetric(
      outcome === 'appended' ? 'EventsStored' : 'DuplicateEventsIgnored',
      MetricUnit.Count,
      1,
    );
  },
);

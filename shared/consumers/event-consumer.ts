import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics, useCorrelationId } from '../observability.js';
import { type EventHandlers, routeBusEvent } from './bus-event.js';
import { withConsumerMiddleware } from './middleware.js';

/**
 * The one middleware stack of every consumer that an EventBridge rule invokes directly: the event is
 * validated against its contract and logged with its correlation id. A failure is thrown: the rule
 * invokes the function asynchronously, so Lambda retries it (`asyncRetryAttempts`) and then sends the
 * event, inside a destination record, to the function's on-failure destination (its domain's events DLQ;
 * `npm run redrive` re-delivers it). The rule target's DLQ, the same queue, only ever receives events the
 * rule failed to deliver.
 *
 * No idempotency record per event id (decisions.md, entry 33): EventBridge and Lambda deliver at least
 * once, so every handler must be idempotent through its own store, with writes conditional on the state or
 * version they read (a reservation's status, a projection's version, a notification claimed by an id
 * derived from the event id). A redelivery then writes nothing, and `npm run replay` can rebuild a wiped
 * projection from the original events, which an idempotency record would have answered from memory.
 */
export function eventConsumer(handlers: EventHandlers) {
  const consume = async (event: unknown): Promise<void> => {
    const routed = routeBusEvent(event, handlers);
    if (!routed) {
      // Type and id only: the payload may hold personal data (a profile's name and e-mail).
      const { 'detail-type': detailType, id } = (event ?? {}) as Record<string, unknown>;
      logger.warn('Ignoring an event this consumer has no handler for', { detailType, id });
      return;
    }
    useCorrelationId(routed.correlationId);
    // DEBUG: each handler logs its outcome at INFO, so at INFO this line only doubled every step's log bytes
    // (decisions.md, entry 58); a DEBUG stage (param logLevel) prints it before the handler runs.
    logger.debug('Handling event', { eventType: routed.type, eventId: routed.eventId });
    await routed.run();
    metrics.addMetric('EventsHandled', MetricUnit.Count, 1);
  };

  return withConsumerMiddleware(consume);
}

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { idempotentWork } from '../idempotency.js';
import { logger, metrics, useCorrelationId } from '../observability.js';
import { type EventHandlers, routeBusEvent } from './bus-event.js';

export interface EventConsumerOptions {
  /**
   * Default true: each event id is handled at most once (Powertools idempotency table). Pass false only
   * for a consumer that is idempotent by itself, through versions or state in its own store, and must
   * re-apply events it has already seen: a projection rebuilt by `npm run replay` receives the original
   * events again, with their original ids, after its table was wiped. The idempotency store would answer
   * those from its records and the rebuild would stay empty.
   */
  idempotent?: boolean;
}

/**
 * The one middleware stack of every consumer that an EventBridge rule invokes directly: the event is
 * validated against its contract, logged with its correlation id and handled at most once per event id
 * (unless `idempotent: false`). A failure is thrown: the rule invokes the function asynchronously, so
 * Lambda retries it (`asyncRetryAttempts`) and then sends the event, inside a destination record, to the
 * function's on-failure destination (its domain's events DLQ; `npm run redrive` re-delivers it). The
 * rule target's DLQ, the same queue, only ever receives events the rule failed to deliver.
 */
export function eventConsumer(handlers: EventHandlers, options: EventConsumerOptions = {}) {
  const once = options.idempotent === false ? undefined : idempotentWork((run: () => Promise<void>) => run());

  const consume = async (event: unknown, context: Context): Promise<void> => {
    once?.registerContext(context);
    const routed = routeBusEvent(event, handlers);
    if (!routed) {
      // Type and id only: the payload may hold personal data (a profile's name and e-mail).
      const { 'detail-type': detailType, id } = (event ?? {}) as Record<string, unknown>;
      logger.warn('Ignoring an event this consumer has no handler for', { detailType, id });
      return;
    }
    useCorrelationId(routed.correlationId);
    logger.info('Handling event', { eventType: routed.type, eventId: routed.eventId });
    await (once ? once.run({ key: routed.eventId, input: routed.run }) : routed.run());
    metrics.addMetric('EventsHandled', MetricUnit.Count, 1);
  };

  return middy(consume)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

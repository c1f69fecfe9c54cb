import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics } from '../observability.js';

/**
 * The middleware every non-HTTP entry point shares: the Lambda context on each log line (keys of the
 * previous invocation reset) and the invocation's metrics flushed at its end.
 */
export function withConsumerMiddleware<Event, Result>(
  handle: (event: Event, context: Context) => Promise<Result>,
) {
  return middy(handle)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
}

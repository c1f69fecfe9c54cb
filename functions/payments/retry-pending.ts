import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type RetrySummary, retryPendingPayments } from '../../domains/payments/retry-pending-payments.js';
import { logger, metrics } from '../../shared/observability.js';
import { paymentPorts } from './dependencies.js';

/** Time kept in reserve: one more payment may take a few provider attempts. */
const RESERVE_MS = 10_000;

/** Every minute (and on demand): retries the provider operations that waited out an outage. */
async function retryPending(_event: unknown, context: Context): Promise<RetrySummary> {
  const summary = await retryPendingPayments(paymentPorts(), {
    hasTimeLeft: () => context.getRemainingTimeInMillis() > RESERVE_MS,
  });
  for (const failure of summary.failures) logger.error('Retrying a pending payment failed', failure);
  logger.info('Retried pending payments', { ...summary });
  metrics.addMetric('PendingPaymentsExamined', MetricUnit.Count, summary.examined);
  return summary;
}

export const handler = middy(retryPending)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));

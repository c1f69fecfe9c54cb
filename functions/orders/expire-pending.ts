import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { expirePendingOrders } from '../../domains/orders/expire-pending-orders.js';
import { requiredEnv } from '../../shared/config.js';
import { logger, metrics } from '../../shared/observability.js';
import { clock, lifecycle, orderRepository } from './dependencies.js';

/** Runs every minute (and on demand): cancels the orders still PENDING after their deadline. */
const expire = async (event: { id?: string } | null, context: Context): Promise<{ expired: number }> => {
  const deadlineSeconds = Number(requiredEnv('ORDER_PENDING_DEADLINE_SECONDS'));
  if (!Number.isInteger(deadlineSeconds) || deadlineSeconds <= 0) {
    throw new Error('ORDER_PENDING_DEADLINE_SECONDS must be a positive number of seconds');
  }
  const result = await expirePendingOrders(
    { deadlineSeconds, sweepId: event?.id ?? context.awsRequestId },
    { orders: orderRepository(), clock, lifecycle },
  );
  logger.info('Overdue pending orders expired', result);
  return result;
};

export const handler = middy(expire)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One Logger, Tracer and Metrics per execution environment. Service name, log level and namespace come
 * from POWERTOOLS_* variables set in serverless.yml, so nothing here is per-stage.
 */
export const logger = new Logger();
export const tracer = new Tracer();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'commerce' });

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** Puts the correlation id on every following log line of this invocation. */
export function useCorrelationId(correlationId: string): void {
  logger.appendKeys({ correlationId });
  tracer.putAnnotation('correlationId', correlationId);
}

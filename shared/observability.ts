import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One Logger and Metrics per execution environment. Service name, log level and namespace come from
 * POWERTOOLS_* variables set in serverless.yml, so nothing here is per-stage. The X-Ray tracer is not
 * here: only the HTTP routes that change state load it (shared/http/traced-handler.ts; decisions.md, entry 52).
 */
export const logger = new Logger();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'commerce' });

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** Puts the correlation id on every following log line of this invocation. */
export function useCorrelationId(correlationId: string): void {
  logger.appendKeys({ correlationId });
}

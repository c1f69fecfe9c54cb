import { Tracer } from '@aws-lambda-powertools/tracer';
import { instrumentAwsClientsWith } from './aws/clients.js';

/**
 * The X-Ray tracer, for HTTP routes that change state only (shared/http/traced-handler.ts): where a
 * request starts work across domains, and where its latency is the customer's. Loading the X-Ray SDK
 * costs about 30 ms of every cold start, so read routes, event consumers, relays and schedules run without
 * it; Lambda's active tracing still records their invocations, and the trace header the writer stores
 * carries the trace across the bus and the queues (decisions.md, "Lean bundles" and entry 52).
 */
export const tracer = new Tracer();

instrumentAwsClientsWith((client) => tracer.captureAWSv3Client(client));

/** Makes a request's traces findable by its correlation id. */
export function annotateCorrelationId(correlationId: string): void {
  tracer.putAnnotation('correlationId', correlationId);
}

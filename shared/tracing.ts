import { Tracer } from '@aws-lambda-powertools/tracer';
import { instrumentAwsClientsWith } from './aws/clients.js';

/**
 * The X-Ray tracer, for HTTP handlers only: where a request starts, and where its latency is the
 * customer's. Loading the X-Ray SDK costs about 100 ms of every cold start, so event consumers, relays and
 * schedules run without it; Lambda's active tracing still records their invocations, and the SDK's trace
 * header carries the trace across the bus and the queues (decisions.md, "Lean bundles").
 */
export const tracer = new Tracer();

instrumentAwsClientsWith((client) => tracer.captureAWSv3Client(client));

/** Makes a request's traces findable by its correlation id. */
export function annotateCorrelationId(correlationId: string): void {
  tracer.putAnnotation('correlationId', correlationId);
}

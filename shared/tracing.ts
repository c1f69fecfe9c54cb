import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

/*
 * The X-Ray SDK, through Powertools Tracer: loaded by the HTTP routes that change state, on their first
 * sampled request only (shared/http/traced-handler.ts). Loading it costs about 30 ms, and on a request
 * X-Ray does not sample it records nothing, so neither read routes, event consumers, relays and
 * schedules nor an unsampled write pay for it; Lambda's active tracing still records every invocation,
 * and the trace header the writer stores carries the trace across the bus and the queues (decisions.md,
 * entries 52 and 55). It imports nothing of ours: a module it shared with the handler's own graph would
 * be bundled whole (esbuild keeps every export of a lazily loaded module), the SDK clients with it.
 */
/** Powertools' Tracer, which takes its own first use for the sandbox's cold start. */
class LateLoadedTracer extends Tracer {
  /** Loaded in a sandbox that served requests before: no request it traces is the cold start. */
  loadedInWarmSandbox(): void {
    this.getColdStart();
  }
}

export const tracer = new LateLoadedTracer();

/** The handler's subsegment (`## <handler>`), with the cold-start and service annotations. */
export const handlerSubsegment = captureLambdaHandler(tracer, { captureResponse: false });

/** Makes a request's traces findable by its correlation id. */
export function annotateCorrelationId(correlationId: string): void {
  tracer.putAnnotation('correlationId', correlationId);
}

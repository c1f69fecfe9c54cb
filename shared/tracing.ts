import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

/*
 * The X-Ray SDK, through Powertools Tracer: loaded by the HTTP routes that change state, on their first
 * sampled request only (shared/http/traced-handler.ts). Loading it costs about 30 ms, and on a request
 * X-Ray does not sample it records nothing, so neither read routes, event consumers, relays and
 * schedules nor an unsampled write pay for it; Lambda's active tracing still records every invocation,
 * and the trace header the writer stores carries the trace across the bus and the queues (decisions.md,
 * entries 52 and 55). It is bundled as a file of its own, beside the route's bundle
 * (scripts/deploy/esbuild-plugins.cjs), so a cold start does not even compile it (entry 57). It imports
 * nothing of ours: that file would hold a second copy of any module the handler also imports, with state
 * of its own (the AWS clients the handler instruments, for one).
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

import { isRequestXRaySampled } from '@aws-lambda-powertools/commons/utils/env';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type * as z from '../../events/zod.js';
import { instrumentAwsClientsWith } from '../aws/clients.js';
import { logger, metrics } from '../observability.js';
import { httpHandler, type RequestTracing } from './handler.js';
import type { DeclaredHeader } from './validation.js';

type XRay = typeof import('../tracing.js');

let loading: Promise<XRay> | undefined;
let xray: XRay | undefined;
let requestsServed = 0;
/** The requests whose handler subsegment was opened, to close it after them (invocations may overlap). */
const traced = new WeakSet<object>();

/**
 * The X-Ray SDK, loaded on the first request X-Ray samples. The tracer counts its own first use as the
 * cold start, so when this sandbox served requests before, that flag is spent here: the annotation
 * `ColdStart` stays true only on the request that really started the sandbox.
 */
async function loadXRay(): Promise<XRay> {
  const sandboxWasWarm = requestsServed > 1;
  loading ??= import('../tracing.js').then((module) => {
    if (sandboxWasWarm) module.tracer.loadedInWarmSandbox();
    // AWS calls become subsegments, those of clients created before the load too
    instrumentAwsClientsWith((client) => module.tracer.captureAWSv3Client(client));
    xray = module;
    return module;
  });
  return loading;
}

/**
 * The X-Ray SDK for a sampled request, or nothing when it fails to load: a trace is not worth a customer's
 * write, so the request goes on untraced (with an error in the log), and the next sampled request tries
 * the load again rather than inheriting this failure.
 */
async function loadedXRayOrNothing(): Promise<XRay | undefined> {
  try {
    return await loadXRay();
  } catch (error) {
    loading = undefined;
    logger.error('X-Ray SDK failed to load: request served untraced', { error: error as Error });
    metrics.addMetric('XRayLoadFailed', MetricUnit.Count, 1);
    return undefined;
  }
}

const handlerSubsegment: MiddlewareObj = {
  before: async (request) => {
    requestsServed++;
    if (!isRequestXRaySampled()) return;
    const loaded = await loadedXRayOrNothing();
    if (!loaded) return;
    traced.add(request);
    await loaded.handlerSubsegment.before?.(request);
  },
  after: async (request) => {
    if (traced.delete(request)) await xray?.handlerSubsegment.after?.(request);
  },
  onError: async (request) => {
    if (traced.delete(request)) await xray?.handlerSubsegment.onError?.(request);
  },
};

const xraySampledRequests: RequestTracing = {
  middleware: handlerSubsegment,
  annotate: (correlationId) => {
    if (xray && isRequestXRaySampled()) xray.annotateCorrelationId(correlationId);
  },
};

/**
 * `httpHandler` for a route that changes state (POST, PUT, PATCH, DELETE): the same stack, traced with
 * the X-Ray SDK too on the requests X-Ray samples. Such a request starts work across domains (a saga, a
 * price change, a stock count), and its trace is where that work is followed: its AWS calls as
 * subsegments, the correlation id as an annotation, and the trace header its events carry on
 * (shared/outbox/record.ts). A read route answers from one table of its own domain: Lambda's active
 * tracing still records its invocation, and it never loads the X-Ray SDK (docs/decisions.md, entry 52).
 * On a request X-Ray does not sample (past its 1 request a second, 95% of them by the default rule), the
 * SDK would record nothing: it is loaded on the sandbox's first sampled request, not at every cold start
 * (entry 55).
 */
export function tracedHttpHandler<
  BodySchema extends z.ZodMiniType | undefined = undefined,
  PathSchema extends z.ZodMiniType | undefined = undefined,
  QuerySchema extends z.ZodMiniType | undefined = undefined,
  Headers extends Record<string, DeclaredHeader> = Record<string, never>,
>(
  options: Parameters<typeof httpHandler<BodySchema, PathSchema, QuerySchema, Headers>>[0],
  handle: Parameters<typeof httpHandler<BodySchema, PathSchema, QuerySchema, Headers>>[1],
) {
  return httpHandler(options, handle, xraySampledRequests);
}

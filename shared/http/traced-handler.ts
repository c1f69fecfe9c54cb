import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type * as z from '../../events/zod.js';
import { annotateCorrelationId, tracer } from '../tracing.js';
import { httpHandler } from './handler.js';
import type { DeclaredHeader } from './validation.js';

const xrayTracing = {
  middleware: captureLambdaHandler(tracer, { captureResponse: false }),
  annotate: annotateCorrelationId,
};

/**
 * `httpHandler` for a route that changes state (POST, PUT, PATCH, DELETE): the same stack, traced with
 * the X-Ray SDK too. Such a request starts work across domains (a saga, a price change, a stock count),
 * and its trace is where that work is followed: its AWS calls as subsegments, the correlation id as an
 * annotation, and the trace header its events carry on (shared/outbox/record.ts). A read route answers
 * from one table of its own domain: Lambda's active tracing still records its invocation, and it does not
 * pay the X-Ray SDK's ~30 ms at each cold start (docs/decisions.md, entry 52).
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
  return httpHandler(options, handle, xrayTracing);
}

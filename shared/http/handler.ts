import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type * as z from '../../events/zod.js';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import { CORRELATION_ID_HEADER, logger, metrics, useCorrelationId } from '../observability.js';
import { type Access, authorize, type Caller, callerFrom } from './auth.js';
import { problemResponse, toProblem } from './problem.js';
import { type DeclaredHeader, parseHeadersOrThrow, parseOrThrow } from './validation.js';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

export interface HttpRequest<Body, Path, Query, Headers = Record<string, never>> {
  body: Body;
  path: Path;
  query: Query;
  caller: Caller | undefined;
  correlationId: string;
  /** The declared headers' parsed values, by their canonical name (undefined when optional and absent). */
  headers: Headers;
}

export interface HttpResult {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HttpRouteOptions<BodySchema, PathSchema, QuerySchema, Headers> {
  access: Access;
  body?: BodySchema;
  path?: PathSchema;
  query?: QuerySchema;
  headers?: Headers;
  /** Bodies above this size are refused with 413 before they are parsed. */
  maxBodyBytes?: number;
}

/**
 * How a route's requests are traced beyond what Lambda's active tracing records by itself: the X-Ray
 * SDK's handler subsegment and AWS-call subsegments, and the correlation id as an annotation. Only routes
 * that change state load it (./traced-handler.ts); a read route's bundle never imports the X-Ray SDK.
 */
export interface RequestTracing {
  middleware: MiddlewareObj;
  annotate(correlationId: string): void;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

type Output<Schema> = Schema extends z.ZodMiniType ? z.output<Schema> : undefined;
type HeaderValues<Headers extends Record<string, DeclaredHeader>> = {
  [Name in keyof Headers]: Headers[Name]['required'] extends true
    ? z.output<Headers[Name]['schema']>
    : z.output<Headers[Name]['schema']> | undefined;
};

function correlationIdOf(event: HttpEvent): string {
  const fromClient = event.headers?.[CORRELATION_ID_HEADER];
  if (fromClient && CORRELATION_ID_PATTERN.test(fromClient)) return fromClient;
  return event.requestContext?.requestId || crypto.randomUUID();
}

function allowedOrigin(event: HttpEvent): string | undefined {
  const configured = process.env.CORS_ALLOWED_ORIGINS ?? '';
  if (configured === '*') return '*';
  const origin = event.headers?.origin;
  return origin && configured.split(',').includes(origin) ? origin : undefined;
}

function readJsonBody(event: HttpEvent, maxBytes: number): unknown {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new BadRequestError('A JSON request body is required.');
  }
  const contentType = (event.headers?.['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== 'application/json' && !contentType.endsWith('+json')) {
    throw new UnsupportedMediaTypeError(
      `Send the body as application/json (got "${contentType || 'none'}").`,
    );
  }
  // API Gateway always hands over a string; serverless-offline hands over what it parsed (a JSON body of
  // `0` or `false` arrives as a number or boolean), so anything else is turned back into its JSON text.
  const text = typeof event.body === 'string' ? event.body : JSON.stringify(event.body);
  const raw = event.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  if (raw.byteLength > maxBytes) {
    throw new PayloadTooLargeError(`The request body is ${raw.byteLength} bytes; the limit is ${maxBytes}.`);
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequestError('The request body is not valid JSON.');
  }
}

/**
 * The one middleware stack of every HTTP route: correlation id, structured logs, traces and metrics,
 * authorization, JSON parsing with a size limit, zod validation with every bad field listed, domain
 * errors mapped to RFC 9457 problems, CORS headers. The route's own function only calls its domain.
 * `options` is usually the route's declaration (`defineRoute` in ./route.ts, which the OpenAPI document
 * is generated from); a bare `{ access, body?, path?, query?, headers? }` still works. Every part the
 * route declares is validated here, headers included, so no domain parses a raw request. A route that
 * changes state is traced with the X-Ray SDK as well: it uses `tracedHttpHandler` (./traced-handler.ts).
 */
export function httpHandler<
  BodySchema extends z.ZodMiniType | undefined = undefined,
  PathSchema extends z.ZodMiniType | undefined = undefined,
  QuerySchema extends z.ZodMiniType | undefined = undefined,
  Headers extends Record<string, DeclaredHeader> = Record<string, never>,
>(
  options: HttpRouteOptions<BodySchema, PathSchema, QuerySchema, Headers>,
  handle: (
    request: HttpRequest<Output<BodySchema>, Output<PathSchema>, Output<QuerySchema>, HeaderValues<Headers>>,
  ) => Promise<HttpResult>,
  tracing?: RequestTracing,
) {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const route = async (event: HttpEvent, _context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const correlationId = correlationIdOf(event);
    useCorrelationId(correlationId);
    tracing?.annotate(correlationId);
    const origin = allowedOrigin(event);
    const headers: Record<string, string> = {
      [CORRELATION_ID_HEADER]: correlationId,
      ...(origin
        ? { 'access-control-allow-origin': origin, 'access-control-expose-headers': CORRELATION_ID_HEADER }
        : {}),
    };
    try {
      const caller = callerFrom(event);
      authorize(options.access, caller);
      const request = {
        caller,
        correlationId,
        headers: options.headers ? parseHeadersOrThrow(options.headers, event.headers ?? {}) : {},
        path: options.path ? parseOrThrow(options.path, event.pathParameters ?? {}, 'path') : undefined,
        query: options.query
          ? parseOrThrow(options.query, event.queryStringParameters ?? {}, 'query')
          : undefined,
        body: options.body
          ? parseOrThrow(options.body, readJsonBody(event, maxBodyBytes), 'body')
          : undefined,
      } as HttpRequest<Output<BodySchema>, Output<PathSchema>, Output<QuerySchema>, HeaderValues<Headers>>;
      const result = await handle(request);
      metrics.addMetric(`Http${String(result.statusCode)[0]}xx`, MetricUnit.Count, 1);
      return {
        statusCode: result.statusCode,
        headers: {
          ...headers,
          ...(result.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...result.headers,
        },
        ...(result.body === undefined ? {} : { body: JSON.stringify(result.body) }),
      };
    } catch (error) {
      const problem = toProblem(error, event.rawPath);
      if (problem.status >= 500) {
        logger.error('Request failed unexpectedly', { error: error as Error });
      } else {
        logger.info('Request refused', { status: problem.status, problemType: problem.type });
      }
      metrics.addMetric(`Http${String(problem.status)[0]}xx`, MetricUnit.Count, 1);
      return problemResponse({ ...problem, correlationId }, headers);
    }
  };

  return middy(route)
    .use(tracing ? [tracing.middleware] : [])
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** A JSON response with the given status. */
export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, body };
}

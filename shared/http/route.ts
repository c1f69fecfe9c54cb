import * as z from '../../events/zod.js';
import type { Access } from './auth.js';
import type { DeclaredHeader } from './validation.js';

/**
 * The one declaration of an HTTP route: what `httpHandler` validates (access, body, path, query, headers)
 * and what the OpenAPI document (`npm run docs:openapi`) and the typed client describe — method, path,
 * required headers and the response schema of every status. A handler exports it and passes it on:
 *
 *   export const route = defineRoute('GET /products/{productId}', 'getProduct', { summary, access, … });
 *   export const handler = httpHandler(route, async ({ path }) => …);
 *
 * Nothing else repeats it: the operations plugin gives the function serving the handler its `httpApi`
 * event from it (scripts/deploy/http-routes.mjs), which also fills in the default tag.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/**
 * API Gateway's route key, as serverless.yml's `httpApi` shorthand writes it: the method, one space and
 * the path with `{name}` parameters (`GET /products/{productId}`).
 */
export type RouteKey = `${HttpMethod} /${string}`;

/** Problem statuses a route may answer with; the generator derives most of them (see `problemStatusesOf`). */
export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422;

export type RequestHeader = DeclaredHeader;

export interface RouteDefinition<
  BodySchema extends z.ZodMiniType | undefined = z.ZodMiniType | undefined,
  PathSchema extends z.ZodMiniType | undefined = z.ZodMiniType | undefined,
  QuerySchema extends z.ZodMiniType | undefined = z.ZodMiniType | undefined,
  Responses extends Record<number, z.ZodMiniType> = Record<number, z.ZodMiniType>,
  Headers extends Record<string, RequestHeader> = Record<string, RequestHeader>,
> {
  /** Unique name of the operation: the OpenAPI operationId and the typed client's method name. */
  operationId: string;
  method: HttpMethod;
  /** The path as in serverless.yml, with `{name}` parameters: `/products/{productId}`. */
  url: string;
  /**
   * The OpenAPI tag. Left out, it is the folder of the handler (`functions/<domain>/…`), filled in where
   * the declarations are read (scripts/deploy/http-routes.mjs); a read side serving another domain's
   * resource names that domain.
   */
  tag?: string;
  summary: string;
  description?: string;
  access: Access;
  body?: BodySchema;
  path?: PathSchema;
  query?: QuerySchema;
  /**
   * Request headers the route reads, by their canonical name: `httpHandler` validates them (a missing
   * required one or a value its schema refuses is a 400) and hands the handler their parsed values.
   */
  headers?: Headers;
  /** Response body schema per success status (`application/json`). */
  responses: Responses;
  /** Response headers per success status, beyond `x-correlation-id` (documented on every response). */
  responseHeaders?: Partial<Record<keyof Responses & number, Record<string, string>>>;
  /** Problems raised by the route's domain (404, 409, 422); the others are derived from the declaration. */
  problems?: ProblemStatus[];
  /** Bodies above this size are refused with 413 before they are parsed. */
  maxBodyBytes?: number;
}

/** What a declaration states besides its route key and operationId. */
export type RouteDetails<
  BodySchema extends z.ZodMiniType | undefined,
  PathSchema extends z.ZodMiniType | undefined,
  QuerySchema extends z.ZodMiniType | undefined,
  Responses extends Record<number, z.ZodMiniType>,
  Headers extends Record<string, RequestHeader>,
> = Omit<
  RouteDefinition<BodySchema, PathSchema, QuerySchema, Responses, Headers>,
  'operationId' | 'method' | 'url'
>;

/**
 * Declares a route by its route key and operationId, keeping the literal types of its schemas (for
 * `httpHandler` and the client).
 */
export function defineRoute<
  BodySchema extends z.ZodMiniType | undefined = undefined,
  PathSchema extends z.ZodMiniType | undefined = undefined,
  QuerySchema extends z.ZodMiniType | undefined = undefined,
  const Responses extends Record<number, z.ZodMiniType> = Record<number, z.ZodMiniType>,
  const Headers extends Record<string, RequestHeader> = Record<string, never>,
>(
  key: RouteKey,
  operationId: string,
  details: RouteDetails<BodySchema, PathSchema, QuerySchema, Responses, Headers>,
): RouteDefinition<BodySchema, PathSchema, QuerySchema, Responses, Headers> {
  const [method, url] = routeKeyParts(key);
  return { ...details, operationId, method, url };
}

function routeKeyParts(key: RouteKey): [HttpMethod, string] {
  const match = /^(GET|POST|PUT|DELETE|PATCH) (\/\S*)$/.exec(key);
  if (!match) throw new Error(`"${key}" is not a route key: write the method, one space and the path`);
  return [match[1] as HttpMethod, match[2] as string];
}

/**
 * Every problem status a route can answer with: those its declaration implies (validation, auth, body
 * parsing) and those its domain raises.
 */
export function problemStatusesOf(route: RouteDefinition): ProblemStatus[] {
  const statuses = new Set<ProblemStatus>(route.problems ?? []);
  if (route.body || route.path || route.query || Object.values(route.headers ?? {}).some((h) => h.required)) {
    statuses.add(400);
  }
  if (route.access !== 'public') statuses.add(401);
  if (route.access === 'admin') statuses.add(403);
  if (route.body) {
    statuses.add(413);
    statuses.add(415);
  }
  return [...statuses].sort((a, b) => a - b);
}

/** RFC 9457 problem details, as every route answers errors (`shared/http/problem.ts`). */
export const problemSchema = z.described(
  z.looseObject({
    type: z.described(z.string().check(z.minLength(1)), {
      description: 'A stable URN naming the problem: urn:commerce:problem:<code>',
    }),
    title: z.string().check(z.minLength(1)),
    status: z.int().check(z.minimum(400)).check(z.maximum(599)),
    detail: z.string(),
    instance: z.described(z.optional(z.string()), { description: 'The request path' }),
    correlationId: z.optional(z.string()),
    errors: z.described(z.optional(z.array(z.strictObject({ path: z.string(), message: z.string() }))), {
      description: 'Every offending field of a request that failed validation, with dotted paths',
    }),
  }),
  {
    id: 'Problem',
    description:
      'RFC 9457 problem details (application/problem+json). Domain problems add extension members ' +
      '(for example `productId`).',
  },
);
export type Problem = z.infer<typeof problemSchema>;

/**
 * What API Gateway answers by itself, without calling a function: `{ "message": "…" }`, not a problem,
 * and without `x-correlation-id`. Its JWT authorizer's 401 (`Unauthorized`: missing, expired or badly
 * signed token), its throttling's 429 (`Too Many Requests`), and its 500/503 when the function crashed
 * or timed out before answering (`Internal Server Error`, `Service Unavailable`). Serverless offline
 * answers its 401 the same way, with hapi's `statusCode` and `error` added.
 */
export const gatewayMessageSchema = z.described(z.looseObject({ message: z.string() }), {
  id: 'GatewayMessage',
  description: "API Gateway's own answer, given without calling a function.",
});

/** One page of a list (API.md, "Conventions"): `?limit=` and `?cursor=` in, items and the next cursor out. */
export function pageOf<Item extends z.ZodMiniType>(item: Item) {
  return z.strictObject({
    items: z.array(item),
    nextCursor: z.described(z.nullable(z.string()), {
      description: 'Pass as `?cursor=` for the next page; null on the last page',
    }),
  });
}

/** Exactly the same type (an optional field missing on one side counts, unlike mutual assignability). */
type Same<A, B> =
  (<G>() => G extends Flat<A> ? 1 : 2) extends <G>() => G extends Flat<B> ? 1 : 2 ? true : false;
type Flat<T> = { [K in keyof T]: T[K] };

/**
 * Ties a response schema to the type the domain returns: `describes<Product>()(z.strictObject({…}))`
 * compiles only when the schema's output is exactly `T`, so neither can change without the other.
 */
export function describes<T>() {
  return <Schema extends z.ZodMiniType>(
    schema: Schema &
      (Same<z.output<Schema>, T> extends true ? unknown : { mismatch: 'the schema does not describe T' }),
  ): Schema => schema;
}

import * as z from '../../events/zod.js';
import { routes } from '../../scripts/generate-openapi.js';
import {
  gatewayMessageSchema,
  problemSchema,
  problemStatusesOf,
  type RouteDefinition,
} from '../../shared/http/route.js';
import { CORRELATION_ID_HEADER } from '../../shared/observability.js';

/**
 * Checks an HTTP response against the documented contract of its route (the zod declarations that
 * docs/openapi.json is generated from): the status must be documented, and the body must match that
 * status's schema exactly (response objects are strict: an undocumented field is a mismatch too).
 */

const matchers = routes.map((route) => ({
  route,
  pattern: new RegExp(`^${route.url.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

export function routeOf(method: string, path: string): RouteDefinition | undefined {
  const pathname = new URL(path, 'http://api').pathname;
  return matchers.find((m) => m.route.method === method.toUpperCase() && m.pattern.test(pathname))?.route;
}

const problemOrGatewaySchema = z.union([problemSchema, gatewayMessageSchema]);

/** Statuses API Gateway may answer itself, without calling the function (see `gatewayMessageSchema`). */
const GATEWAY_STATUSES = [401, 429, 500, 503];

/** The mismatches of one response with the document, as readable lines; empty when it conforms. */
export function contractViolations(
  method: string,
  path: string,
  response: { status: number; headers: Headers; body: unknown },
): string[] {
  const route = routeOf(method, path);
  if (!route) return [`${method} ${path} is not a documented route`];
  const name = `${route.method} ${route.url} (${route.operationId}) → ${response.status}`;
  const success = route.responses[response.status];
  const problems: number[] = [...problemStatusesOf(route), 429, 500, 503];
  if (!success && !problems.includes(response.status)) {
    const documented = [...Object.keys(route.responses), ...problems].join(', ');
    return [`${name}: status ${response.status} is not documented (documented: ${documented})`];
  }
  const contentType = response.headers.get('content-type') ?? '';
  // API Gateway's own answers (GATEWAY_STATUSES) are plain JSON without a correlation id.
  const fromGateway =
    GATEWAY_STATUSES.includes(response.status) && !contentType.startsWith('application/problem+json');
  const violations: string[] = [];
  if (!fromGateway && !response.headers.get(CORRELATION_ID_HEADER)) {
    violations.push(`${name}: the ${CORRELATION_ID_HEADER} header is missing`);
  }
  const expectedType = success || fromGateway ? 'application/json' : 'application/problem+json';
  if (!contentType.startsWith(expectedType)) {
    violations.push(`${name}: content-type is "${contentType}", documented ${expectedType}`);
  }
  const schema =
    success ?? (GATEWAY_STATUSES.includes(response.status) ? problemOrGatewaySchema : problemSchema);
  const parsed = schema.safeParse(response.body);
  if (!parsed.success) {
    violations.push(
      `${name}: the body does not match the documented schema:\n${z.prettifyError(parsed.error)}\nbody: ${JSON.stringify(response.body)?.slice(0, 2000)}`,
    );
  }
  return violations;
}

/** Throws when the response differs from the document (see `contractViolations`). */
export function assertDocumented(
  method: string,
  path: string,
  response: { status: number; headers: Headers; body: unknown },
): void {
  const violations = contractViolations(method, path, response);
  if (violations.length > 0) {
    throw new Error(`The response differs from docs/openapi.json:\n${violations.join('\n')}`);
  }
}

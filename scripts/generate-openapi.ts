/**
 * Writes the OpenAPI 3.1 document of the HTTP API to `docs/openapi.json`, generated from the route
 * declarations (each handler's `route`, found through the functions serverless.yml configures:
 * scripts/deploy/http-routes.mjs; the same zod schemas the handlers validate with), and from that document
 * the typed client's types (`client/api-types.ts`, by openapi-typescript) and its table of operations
 * (`client/operations.ts`). Never edit them by hand.
 *
 *   npm run docs:openapi
 *
 * `tests/unit/openapi.test.ts` fails when any of them is stale or a route is undocumented.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { parse as parseYaml } from 'yaml';
import * as z from '../events/zod.js';
import {
  gatewayMessageSchema,
  type ProblemStatus,
  problemSchema,
  problemStatusesOf,
  type RouteDefinition,
} from '../shared/http/route.js';
import { CORRELATION_ID_HEADER } from '../shared/observability.js';
import { declaredRoutes } from './deploy/http-routes.mjs';

type Json = Record<string, unknown>;

/** A declaration as read from its handler module, its tag filled in (scripts/deploy/http-routes.mjs). */
type TaggedRoute = RouteDefinition & { tag: string };

/** Every route of the service, in serverless.yml's order of functions. */
export const routes: ReadonlyArray<TaggedRoute> = (await declaredRoutes()).map(({ route }) => route);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OPENAPI_PATH = join(ROOT, 'docs/openapi.json');
export const CLIENT_TYPES_PATH = join(ROOT, 'client/api-types.ts');
export const CLIENT_OPERATIONS_PATH = join(ROOT, 'client/operations.ts');

const TAGS: Record<string, string> = {
  platform: 'Health and this document',
  catalog: 'Products and their prices',
  inventory: 'Stock levels (admin)',
  orders: 'Placing, reading and cancelling orders',
  customers: "The caller's profile",
  eventstore: 'Every bus event, by correlation id or aggregate (admin)',
  notifications: 'What was e-mailed or pushed to customers (admin)',
};

const PROBLEM_DESCRIPTIONS: Record<ProblemStatus | 500, string> = {
  400: 'The request is malformed or invalid; `errors` lists every offending field.',
  401: 'The bearer token is missing, expired, badly signed or for another audience.',
  403: 'The caller is not in the group the route requires (admin).',
  404: 'The resource does not exist (or is not the caller’s).',
  409: 'The request conflicts with the current state.',
  413: 'The request body is too large.',
  415: 'The request body is not application/json.',
  422: 'A valid request that a business rule refuses.',
  500: 'An unexpected error; quote the correlation id when reporting it.',
};

/** The stages `sls deploy` targets; the document states their gateway limits. */
const DEPLOYED_STAGES = ['dev', 'staging', 'prod'];

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content' };

/** zod's JSON Schema of `z.int()` carries the safe-integer bounds: noise for readers and generators. */
const SAFE_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'minimum' || key === 'maximum') && SAFE_BOUNDS.has(value as number)) continue;
    if (key === '$ref' && typeof value === 'string') {
      out[key] = value.replace('#/$defs/', '#/components/schemas/');
      continue;
    }
    out[key] = tidy(value);
  }
  return out;
}

/** Collects named schemas (zod `.meta({ id })`) into `components.schemas`, refusing two shapes for one name. */
class Components {
  readonly schemas: Record<string, Json> = {};

  schema(schema: z.core.$ZodType, io: 'input' | 'output'): Json {
    const {
      $schema: _,
      $defs,
      ...root
    } = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
    }) as Json & { $defs?: Record<string, Json> };
    for (const [id, definition] of Object.entries($defs ?? {})) {
      const tidied = tidy(definition) as Json;
      const known = this.schemas[id];
      if (known && !isDeepStrictEqual(known, tidied)) {
        throw new Error(`Two different schemas are named "${id}" (an ${io} schema differs): rename one.`);
      }
      this.schemas[id] = tidied;
    }
    return tidy(root) as Json;
  }
}

const correlationHeader = { $ref: '#/components/headers/CorrelationId' };
/** On statuses API Gateway may answer itself, the header is there only when the function answered. */
const correlationHeaderIfFunction = { $ref: '#/components/headers/CorrelationIdIfFunction' };
const problemRef = (status: ProblemStatus | 500) => ({ $ref: `#/components/responses/Problem${status}` });
const gatewayMessage = { schema: { $ref: '#/components/schemas/GatewayMessage' } };

/** Statuses that API Gateway answers itself, before or instead of the function (`GatewayMessage`). */
const GATEWAY_ANSWERS: Partial<Record<ProblemStatus | 500, string>> = {
  401: 'Refused by the API Gateway JWT authorizer (`{"message":"Unauthorized"}`, application/json, no x-correlation-id) or by the function (a problem).',
  500: 'Or, when the function crashed before answering, API Gateway\'s own `{"message":"Internal Server Error"}` (application/json, no x-correlation-id).',
};

function problemResponses(): Json {
  const responses: Json = {};
  for (const [code, description] of Object.entries(PROBLEM_DESCRIPTIONS)) {
    const problem = { schema: { $ref: '#/components/schemas/Problem' } };
    const fromGateway = GATEWAY_ANSWERS[Number(code) as ProblemStatus | 500];
    responses[`Problem${code}`] = fromGateway
      ? {
          description: `${description} ${fromGateway}`,
          headers: { [CORRELATION_ID_HEADER]: correlationHeaderIfFunction },
          // The gateway's media type first: Prism validates a response against the first media type of its
          // status whatever its content type (stoplightio/prism#2713), and these statuses come from the
          // gateway far more often than from a function.
          content: { 'application/json': gatewayMessage, 'application/problem+json': problem },
        }
      : {
          description,
          headers: { [CORRELATION_ID_HEADER]: correlationHeader },
          content: { 'application/problem+json': problem },
        };
  }
  responses.Throttled = {
    description:
      `API Gateway throttled the request: each stage allows a steady rate and a burst of requests per ` +
      `second (${throttlingLimits()}). Its own \`{"message":"Too Many Requests"}\`, without ` +
      'x-correlation-id; retry after a pause, with exponential backoff and jitter.',
    content: { 'application/json': gatewayMessage },
  };
  responses.Unavailable = {
    description:
      "The function did not answer in time (API Gateway waits at most 30 s): API Gateway's own " +
      '`{"message":"Service Unavailable"}`, without x-correlation-id. Retry later; a POST /orders retried ' +
      'with the same Idempotency-Key is safe.',
    content: { 'application/json': gatewayMessage },
  };
  return responses;
}

/** The gateway's throttling per deployed stage, from serverless.yml's params (the stage's or the default). */
function throttlingLimits(): string {
  const service = parseYaml(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
    params: Record<string, Record<string, unknown> | null>;
  };
  const limit = (stage: string, name: string) =>
    service.params[stage]?.[name] ?? service.params.default?.[name];
  return DEPLOYED_STAGES.map(
    (stage) => `${stage}: ${limit(stage, 'httpApiRateLimit')}/s, burst ${limit(stage, 'httpApiBurstLimit')}`,
  ).join('; ');
}

function parametersOf(route: RouteDefinition, components: Components, paging: Json): Json[] {
  const parameters: Json[] = [];
  for (const [location, schema] of [
    ['path', route.path],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const object = components.schema(schema, 'input') as {
      properties?: Record<string, Json>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...propertySchema } = property;
      const parameter = {
        name,
        in: location,
        required: location === 'path' || (object.required ?? []).includes(name),
        ...(description ? { description } : {}),
        schema: propertySchema,
      };
      // The paging parameters every list shares are documented once.
      const shared = location === 'query' ? paging[name] : undefined;
      parameters.push(
        shared && isDeepStrictEqual(shared, parameter)
          ? { $ref: `#/components/parameters/${name === 'limit' ? 'Limit' : 'Cursor'}` }
          : parameter,
      );
    }
  }
  for (const [name, header] of Object.entries(route.headers ?? {})) {
    parameters.push({
      name,
      in: 'header',
      required: header.required,
      description: header.description,
      schema: components.schema(header.schema, 'input'),
    });
  }
  return parameters;
}

function operationOf(route: TaggedRoute, components: Components, paging: Json): Json {
  const parameters = parametersOf(route, components, paging);
  const responses: Json = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    const extra = route.responseHeaders?.[Number(status)] ?? {};
    responses[status] = {
      description: STATUS_TEXT[Number(status)] ?? 'Success',
      headers: {
        [CORRELATION_ID_HEADER]: correlationHeader,
        ...Object.fromEntries(
          Object.entries(extra).map(([name, description]) => [
            name,
            { description, required: true, schema: { type: 'string' } },
          ]),
        ),
      },
      content: { 'application/json': { schema: components.schema(schema, 'output') } },
    };
  }
  for (const status of problemStatusesOf(route)) responses[status] = problemRef(status);
  responses['429'] = { $ref: '#/components/responses/Throttled' };
  responses['500'] = problemRef(500);
  responses['503'] = { $ref: '#/components/responses/Unavailable' };
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    'x-access': route.access,
    // OpenAPI 3.1 lets a non-OAuth scheme list the roles an operation requires.
    security: route.access === 'public' ? [] : [{ bearerJwt: route.access === 'admin' ? ['admin'] : [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: components.schema(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

/** The paging parameters every list shares, documented once (components.parameters). */
function pagingParameters(): Json {
  return {
    limit: {
      name: 'limit',
      in: 'query',
      required: false,
      schema: { default: 20, type: 'integer', minimum: 1, maximum: 100 },
    },
    cursor: {
      name: 'cursor',
      in: 'query',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 2048 },
    },
  };
}

/** Each route's operation under its path and method, paths sorted; refuses a repeated operation or route. */
function pathsOf(
  all: ReadonlyArray<TaggedRoute>,
  components: Components,
  paging: Json,
): Record<string, Json> {
  const paths: Record<string, Json> = {};
  const operationIds = new Set<string>();
  for (const route of all) {
    if (operationIds.has(route.operationId)) throw new Error(`Duplicate operationId ${route.operationId}`);
    operationIds.add(route.operationId);
    paths[route.url] ??= {};
    const item = paths[route.url] as Json;
    const method = route.method.toLowerCase();
    if (item[method]) throw new Error(`${route.method} ${route.url} is declared twice`);
    item[method] = operationOf(route, components, paging);
  }
  return Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
}

function infoOf(version: string): Json {
  return {
    title: 'Commerce HTTP API',
    version,
    description:
      'The public HTTP contract of docs/API.md, generated from the route declarations ' +
      '(`npm run docs:openapi`). Errors are RFC 9457 problems (application/problem+json); lists page ' +
      'with `?limit=` and an opaque `?cursor=`; every response carries `x-correlation-id` (the ' +
      "request's, when it sent a valid one).",
  };
}

function securitySchemes(): Json {
  return {
    bearerJwt: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        "A Cognito ID token of the stage's user pool (locally: `npm run --silent token -- <userId> " +
        '[--admin]`), sent only in the Authorization header, never in a URL. Verified as RFC 8725 asks, ' +
        'by the API Gateway JWT authorizer before any function runs: an RS256 signature by a key of the ' +
        "pool's JWKS (no `none`, no symmetric algorithms), the pool as issuer, the app client as " +
        'audience, and `exp`; ID tokens live one hour. Operations that list the role `admin` require the ' +
        '`admin` group in `cognito:groups` (checked by the function: 403 otherwise).',
    },
  };
}

function correlationIdHeaders(): Json {
  return {
    CorrelationId: {
      description:
        "The request's correlation id: the `x-correlation-id` it sent (1-128 of A-Z a-z 0-9 . _ : -), " +
        'otherwise a new one. Quote it when reporting a problem.',
      required: true,
      schema: { type: 'string' },
    },
    CorrelationIdIfFunction: {
      description:
        "The request's correlation id, as on every answer of a function; absent when API Gateway " +
        'answered by itself.',
      required: false,
      schema: { type: 'string' },
    },
  };
}

/** The OpenAPI 3.1 document of the given routes (all of them by default). */
export function buildOpenApiDocument(all: ReadonlyArray<TaggedRoute> = routes): Json {
  const components = new Components();
  const paging = pagingParameters();
  const paths = pathsOf(all, components, paging);
  components.schema(problemSchema, 'output');
  components.schema(gatewayMessageSchema, 'output');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    openapi: '3.1.0',
    info: infoOf(pkg.version),
    servers: [
      { url: 'http://localhost:3000', description: 'Local stack (`npm start`)' },
      { url: 'http://127.0.0.1:4000', description: 'Stack of the end-to-end tests (stage test)' },
    ],
    tags: [...new Set(all.map((route) => route.tag))].map((name) => ({
      name,
      ...(TAGS[name] ? { description: TAGS[name] } : {}),
    })),
    paths,
    components: {
      securitySchemes: securitySchemes(),
      headers: correlationIdHeaders(),
      parameters: {
        Limit: { ...(paging.limit as Json), description: 'Page size (1-100, default 20)' },
        Cursor: {
          ...(paging.cursor as Json),
          description: 'The `nextCursor` of the previous page (opaque)',
        },
      },
      responses: problemResponses(),
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}

/** The files `npm run docs:openapi` writes, as text (the unit test compares them with the committed ones). */
export async function generatedFiles(): Promise<Record<string, string>> {
  const document = buildOpenApiDocument();
  return {
    [OPENAPI_PATH]: `${JSON.stringify(document, null, 2)}\n`,
    // The client's types, by openapi-typescript from the document itself.
    [CLIENT_TYPES_PATH]: formatTypeScript(
      `${GENERATED_HEADER}${astToString(await openapiTS(document as unknown as Parameters<typeof openapiTS>[0]))}`,
      CLIENT_TYPES_PATH,
    ),
    [CLIENT_OPERATIONS_PATH]: formatTypeScript(clientOperationsOf(document), CLIENT_OPERATIONS_PATH),
  };
}

const GENERATED_HEADER =
  '// Generated from docs/openapi.json by `npm run docs:openapi` (openapi-typescript): do not edit.\n\n';

/**
 * Where each operation is sent (its method and path), the one thing types cannot carry at run time; the
 * `satisfies` clause makes the client fail to compile if it ever lists other operations than the types.
 */
function clientOperationsOf(document: Json): string {
  const table: Record<string, { method: string; path: string }> = {};
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
    for (const [method, operation] of Object.entries(item)) {
      table[operation.operationId as string] = { method: method.toUpperCase(), path };
    }
  }
  return (
    GENERATED_HEADER +
    "import type { operations as OperationTypes } from './api-types.js';\n\n" +
    '/** Every operation of the API by its operationId: its method and path template. */\n' +
    `export const operations = ${JSON.stringify(table, null, 2)} as const satisfies Record<keyof OperationTypes, { method: string; path: string }>;\n`
  );
}

/** Formats generated TypeScript with the project's biome settings, so `npm run lint` stays clean. */
function formatTypeScript(source: string, path: string): string {
  return execFileSync(join(ROOT, 'node_modules/.bin/biome'), ['format', '--stdin-file-path', path], {
    cwd: ROOT,
    input: source,
    encoding: 'utf8',
  });
}

async function main(): Promise<void> {
  for (const [file, text] of Object.entries(await generatedFiles())) {
    writeFileSync(file, text);
    console.log(`Wrote ${file.slice(ROOT.length + 1)}.`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}

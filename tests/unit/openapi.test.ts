import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RequestOf, ResponseOf, Schemas } from '../../client/index.js';
import { configuredFunctions, declaredRoutes, handlerModuleOf } from '../../scripts/deploy/http-routes.mjs';
import {
  buildOpenApiDocument,
  CLIENT_TYPES_PATH,
  generatedFiles,
  OPENAPI_PATH,
  ROOT,
} from '../../scripts/generate-openapi.js';
import { contractViolations } from '../support/contract.js';

type Operation = {
  operationId: string;
  security: unknown[];
  tags?: string[];
  'x-access': string;
  parameters?: Array<{ $ref?: string; name?: string; in?: string }>;
  responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }>;
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const committed = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
const operations = Object.entries(committed.paths as Record<string, Record<string, Operation>>).flatMap(
  ([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
);

const configured = configuredFunctions();
const served = await declaredRoutes();

describe('docs/openapi.json', () => {
  it('is up to date with the route declarations (run `npm run docs:openapi`)', async () => {
    for (const [file, text] of Object.entries(await generatedFiles())) {
      expect(readFileSync(file, 'utf8'), `${relative(ROOT, file)} is stale: run npm run docs:openapi`).toBe(
        text,
      );
    }
    expect(CLIENT_TYPES_PATH).toMatch(/client\/api-types\.ts$/);
  });

  it('documents exactly the routes the configured functions declare', () => {
    const declared = served.map(({ route }) => `${route.method} ${route.url}`).sort();
    expect(operations.map(({ key }) => key).sort()).toEqual(declared);
    expect(declared.length).toBeGreaterThan(10);
  });

  it('declares each route only in its handler: no function repeats one as an httpApi event', () => {
    const byHand = configured.filter(({ events }) => events.some((event) => event.httpApi));
    expect(byHand.map(({ name }) => name)).toEqual([]);
  });

  it('serves every route declaration in functions/ from a configured function', () => {
    const handlerFiles = new Set(configured.flatMap(({ handler }) => handlerModuleOf(handler) ?? []));
    const declaring = readdirSync(join(ROOT, 'functions'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => `functions/${file}`)
      .filter((file) => /^export const route = defineRoute\(/m.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(declaring.length).toBeGreaterThan(10);
    // openapi-route.ts is declared apart from its handler (openapi.ts re-exports it): see that file.
    const unserved = declaring.filter(
      (file) => !handlerFiles.has(file) && file !== 'functions/platform/openapi-route.ts',
    );
    expect(unserved, 'route declarations no configured function serves').toEqual([]);
  });

  it('is OpenAPI 3.1 with a local server, bearer JWT security and a tag per domain', () => {
    expect(committed.openapi).toBe('3.1.0');
    expect(committed.servers[0].url).toBe('http://localhost:3000');
    expect(committed.components.securitySchemes.bearerJwt).toMatchObject({ type: 'http', scheme: 'bearer' });
    const tags = committed.tags.map((tag: { name: string }) => tag.name);
    for (const { operation } of operations)
      expect(tags).toEqual(expect.arrayContaining(operation.tags ?? []));
  });

  it.each(operations)(
    '$key: security, problems, x-correlation-id and paging are documented',
    ({ operation }) => {
      const access = operation['x-access'];
      expect(operation.security).toEqual(
        access === 'public' ? [] : [{ bearerJwt: access === 'admin' ? ['admin'] : [] }],
      );
      const statuses = Object.keys(operation.responses);
      expect(statuses).toEqual(expect.arrayContaining(['429', '500', '503']));
      if (access !== 'public') expect(statuses).toContain('401');
      if (access === 'admin') expect(statuses).toContain('403');
      for (const [status, response] of Object.entries(operation.responses)) {
        const resolved = response.$ref
          ? committed.components.responses[response.$ref.split('/').pop() as string]
          : response;
        // API Gateway's own answers (429, 503) carry no correlation id; every function answer does.
        if (status !== '429' && status !== '503') {
          expect(resolved.headers?.['x-correlation-id'], `${status} without x-correlation-id`).toBeDefined();
        }
        if (Number(status) >= 400 && status !== '429' && status !== '503') {
          expect(resolved.content['application/problem+json'].schema).toEqual({
            $ref: '#/components/schemas/Problem',
          });
        }
        if (['401', '429', '500', '503'].includes(status)) {
          expect(resolved.content['application/json'].schema, `${status}: the gateway's own body`).toEqual({
            $ref: '#/components/schemas/GatewayMessage',
          });
        }
      }
      const success = Object.entries(operation.responses).find(
        ([status]) => Number(status) < 300,
      )?.[1] as any;
      const body = success?.content?.['application/json']?.schema?.$ref ?? '';
      if (body.endsWith('Page')) {
        expect(operation.parameters).toEqual(
          expect.arrayContaining([
            { $ref: '#/components/parameters/Limit' },
            { $ref: '#/components/parameters/Cursor' },
          ]),
        );
      }
    },
  );

  it('states the gateway limits of every deployed stage on the 429 and requires x-correlation-id on success', () => {
    expect(committed.components.responses.Throttled.description).toMatch(
      /dev: 50\/s, burst 100; staging: 50\/s, burst 100; prod: 500\/s, burst 1000/,
    );
    expect(committed.components.headers.CorrelationId.required).toBe(true);
    expect(committed.components.headers.CorrelationIdIfFunction.required).toBe(false);
    expect(JSON.stringify(committed)).not.toMatch(/"\$ref":"[^"]+","required"/);
  });

  it('documents the Idempotency-Key header of POST /orders', () => {
    expect(committed.paths['/orders'].post.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
      ]),
    );
  });

  it('builds the same document twice (stable output)', () => {
    expect(buildOpenApiDocument()).toEqual(buildOpenApiDocument());
  });
});

describe('response checks of the e2e tests', () => {
  const headers = (contentType: string) =>
    new Headers({ 'content-type': contentType, 'x-correlation-id': 'c-1' });
  const product = {
    productId: 'moka',
    name: 'Moka pot',
    description: '',
    price: { amount: 3500, currency: 'EUR' },
    available: 0,
    priceVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };

  it('accepts a documented response', () => {
    expect(
      contractViolations('GET', '/products/moka?x=1', {
        status: 200,
        headers: headers('application/json'),
        body: product,
      }),
    ).toEqual([]);
  });

  it('names the route, the status and the zod issues of a body that differs', () => {
    const [violation] = contractViolations('GET', '/products/moka', {
      status: 200,
      headers: headers('application/json'),
      body: { ...product, price: { amount: '35.00', currency: 'EUR' }, colour: 'red' },
    });
    expect(violation).toContain('GET /products/{productId} (getProduct) → 200');
    expect(violation).toContain('price.amount');
    expect(violation).toContain('colour');
  });

  it('refuses undocumented statuses, problems that are not problem+json and unknown routes', () => {
    expect(
      contractViolations('GET', '/products/moka', {
        status: 409,
        headers: headers('application/json'),
        body: {},
      }),
    ).toEqual([expect.stringContaining('status 409 is not documented')]);
    expect(
      contractViolations('GET', '/products/moka', {
        status: 404,
        headers: headers('application/json'),
        body: { type: 'urn:x', title: 'Not Found', status: 404, detail: 'gone' },
      }),
    ).toEqual([expect.stringContaining('documented application/problem+json')]);
    expect(
      contractViolations('DELETE', '/products', { status: 200, headers: headers(''), body: {} }),
    ).toEqual(['DELETE /products is not a documented route']);
  });

  it("accepts the gateway authorizer's own 401", () => {
    expect(
      contractViolations('GET', '/me', {
        status: 401,
        headers: new Headers({ 'content-type': 'application/json; charset=utf-8' }),
        body: { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' },
      }),
    ).toEqual([]);
  });
});

describe("the typed client's types (openapi-typescript), checked by npm run typecheck", () => {
  it('require what an operation requires and narrow the body by status', () => {
    expectTypeOf<RequestOf<'placeOrder'>>().toEqualTypeOf<{
      header: { 'Idempotency-Key': string };
      body: { items: { productId: string; quantity: number }[]; paymentToken: string };
    }>();
    expectTypeOf<RequestOf<'getProduct'>>().toEqualTypeOf<{ path: { productId: string } }>();
    // biome-ignore lint/complexity/noBannedTypes: what openapi-typescript gives an operation with no parameters
    expectTypeOf<RequestOf<'health'>>().toEqualTypeOf<{}>();
    type GetProduct = ResponseOf<'getProduct'>;
    expectTypeOf<Extract<GetProduct, { status: 200 }>['body']>().toEqualTypeOf<Schemas['Product']>();
    expectTypeOf<Extract<GetProduct, { status: 404 }>['body']>().toEqualTypeOf<Schemas['Problem']>();
    expectTypeOf<Extract<GetProduct, { status: 429 }>['body']>().toEqualTypeOf<Schemas['GatewayMessage']>();
    expectTypeOf<GetProduct['status']>().toEqualTypeOf<200 | 400 | 404 | 429 | 500 | 503>();
  });
});

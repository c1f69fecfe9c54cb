import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { routes } from '../../functions/routes.js';
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

/**
 * `METHOD /path` of every httpApi event of the function files the root serverless.yml includes on every
 * stage (`${file(functions/<domain>/serverless.yml)}`), with its handler file. Stage-only functions
 * (`${param:benchFunctions}`) are not part of the public API.
 */
function serverlessRoutes(): Array<{ key: string; handler: string }> {
  const root = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' });
  const files = (root.functions as unknown[]).flatMap((entry) => {
    const match = typeof entry === 'string' ? /^\$\{file\((functions\/[^)]+)\)\}$/.exec(entry) : null;
    return match?.[1] ? [match[1]] : [];
  });
  expect(files.length).toBeGreaterThan(5);
  const found: Array<{ key: string; handler: string }> = [];
  for (const file of files) {
    const functions: Record<string, { handler: string; events?: Array<Record<string, any>> }> =
      parse(readFileSync(join(ROOT, file), 'utf8'), { logLevel: 'silent' }) ?? {};
    for (const definition of Object.values(functions)) {
      for (const event of definition?.events ?? []) {
        const http = event.httpApi;
        if (!http) continue;
        found.push({
          key: `${String(http.method).toUpperCase()} ${http.path}`,
          handler: `${definition.handler.replace(/\.handler$/, '')}.ts`,
        });
      }
    }
  }
  return found;
}

describe('docs/openapi.json', () => {
  it('is up to date with the route declarations (run `npm run docs:openapi`)', () => {
    for (const [file, text] of Object.entries(generatedFiles())) {
      expect(readFileSync(file, 'utf8'), `${relative(ROOT, file)} is stale: run npm run docs:openapi`).toBe(
        text,
      );
    }
    expect(CLIENT_TYPES_PATH).toMatch(/client\/api-types\.ts$/);
  });

  it('documents exactly the httpApi routes of the serverless configuration', () => {
    const configured = serverlessRoutes()
      .map((route) => route.key)
      .sort();
    const documented = operations.map(({ key }) => key).sort();
    expect(
      configured.filter((key) => !documented.includes(key)),
      'configured but not documented',
    ).toEqual([]);
    expect(
      documented.filter((key) => !configured.includes(key)),
      'documented but not configured',
    ).toEqual([]);
  });

  it('takes each route from the handler serverless.yml points it at', async () => {
    for (const { key, handler } of serverlessRoutes()) {
      const { route } = await import(pathToFileURL(join(ROOT, handler)).href);
      expect(route, `${handler} exports no route declaration`).toBeDefined();
      expect(`${route.method} ${route.url}`, handler).toBe(key);
      expect(routes, `${handler}'s route is missing from functions/routes.ts`).toContain(route);
    }
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
      expect(operation.security).toEqual(access === 'public' ? [] : [{ bearerJwt: [] }]);
      const statuses = Object.keys(operation.responses);
      expect(statuses).toContain('500');
      if (access !== 'public') expect(statuses).toContain('401');
      if (access === 'admin') expect(statuses).toContain('403');
      for (const [status, response] of Object.entries(operation.responses)) {
        const resolved = response.$ref
          ? committed.components.responses[response.$ref.split('/').pop() as string]
          : response;
        expect(resolved.headers?.['x-correlation-id'], `${status} without x-correlation-id`).toBeDefined();
        if (Number(status) >= 400) {
          expect(resolved.content['application/problem+json'].schema).toEqual({
            $ref: '#/components/schemas/Problem',
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

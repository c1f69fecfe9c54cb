import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  // Powertools reads this when shared/observability.ts is first imported; the error test asserts on the ERROR line.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

import { ProductNotFound } from '../../../domains/catalog/model.js';
import {
  changePriceSchema,
  createProductSchema,
  listProductsQuerySchema,
  productPathSchema,
} from '../../../domains/catalog/schemas.js';
import * as z from '../../../events/zod.js';
import { type HttpRequest, httpHandler, json } from '../../../shared/http/handler.js';
import { fakeContext, type HttpEventOptions, httpEvent } from './lambda-fakes.js';

const ADMIN = { sub: 'user-admin', 'cognito:groups': ['admin'] };
const CUSTOMER = { sub: 'user-customer' };
const VALID_PRODUCT = { name: 'Espresso cup', price: { amount: 1200, currency: 'EUR' } };

let seen: HttpRequest<any, any, any, any>[] = [];
let failWith: unknown;

const createProduct = httpHandler({ access: 'admin', body: createProductSchema }, async (request) => {
  seen.push(request);
  if (failWith) throw failWith;
  return json(201, { productId: request.body.productId ?? 'new-id', name: request.body.name });
});
const changePrice = httpHandler(
  { access: 'admin', path: productPathSchema, body: changePriceSchema, maxBodyBytes: 256 },
  async (request) => {
    seen.push(request);
    return json(202, { productId: request.path.productId });
  },
);
const listProducts = httpHandler({ access: 'public', query: listProductsQuerySchema }, async (request) => {
  seen.push(request);
  return json(200, { items: [], limit: request.query.limit });
});
const myOrders = httpHandler({ access: 'customer' }, async (request) => {
  seen.push(request);
  return { statusCode: 204 };
});
const echoPatch = httpHandler({ access: 'public', body: z.object({ a: z.number() }) }, async (request) => {
  seen.push(request);
  return json(200, request.body);
});

const withHeaders = httpHandler(
  {
    access: 'public',
    headers: {
      'Idempotency-Key': {
        required: true,
        description: 'one key per attempt',
        schema: z.string().check(z.regex(/^\w+$/)),
      },
      'X-Page-Size': {
        required: false,
        description: 'items per page',
        schema: z.coerce.number().check(z.int(), z.maximum(50)),
      },
    },
  },
  async (request) => {
    seen.push(request);
    return json(200, request.headers);
  },
);

type Route =
  | typeof createProduct
  | typeof changePrice
  | typeof listProducts
  | typeof myOrders
  | typeof withHeaders;

async function call(route: Route, options: HttpEventOptions) {
  const result = await route(httpEvent(options), fakeContext());
  const headers = (result.headers ?? {}) as Record<string, string>;
  const body = typeof result.body === 'string' && result.body !== '' ? JSON.parse(result.body) : undefined;
  return { status: result.statusCode, headers, body, rawBody: result.body as string | undefined };
}

function postProduct(body: unknown, options: HttpEventOptions = {}) {
  return call(createProduct, {
    method: 'POST',
    path: '/products',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    claims: ADMIN,
    ...options,
    headers: { 'content-type': 'application/json', ...options.headers },
  });
}

let logged: string[] = [];

beforeEach(() => {
  seen = [];
  failWith = undefined;
  logged = [];
  // Powertools' logger writes JSON lines to the process streams; keep them for assertions, off the console.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('a valid request', () => {
  it('reaches the route with the parsed, defaulted body, the caller and the correlation id', async () => {
    // given an admin's valid create-product request
    // when it is sent
    const response = await postProduct(VALID_PRODUCT, { headers: { 'x-correlation-id': 'client-corr-1' } });

    // then the route's answer is returned as JSON
    expect(response.status).toBe(201);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({ productId: 'new-id', name: 'Espresso cup' });
    // and the route saw the validated body (with the schema's default) and who is calling
    expect(seen).toHaveLength(1);
    expect(seen[0]?.body).toEqual({ ...VALID_PRODUCT, description: '' });
    expect(seen[0]?.caller).toEqual({ userId: 'user-admin', groups: ['admin'], isAdmin: true });
    expect(seen[0]?.correlationId).toBe('client-corr-1');
  });

  it('answers a route result without a body with no body and no content-type', async () => {
    // given a customer
    // when a route that answers 204 is called
    const response = await call(myOrders, { claims: CUSTOMER });

    // then nothing but the status and the correlation header comes back
    expect(response.status).toBe(204);
    expect(response.rawBody).toBeUndefined();
    expect(response.headers['content-type']).toBeUndefined();
    expect(response.headers['x-correlation-id']).toBeDefined();
  });

  it('accepts a JSON content type with parameters or a +json suffix', async () => {
    // given bodies sent as "application/json; charset=utf-8" and "application/merge-patch+json"
    const withCharset = await call(echoPatch, {
      method: 'POST',
      headers: { 'content-type': 'Application/JSON; charset=utf-8' },
      body: '{"a":1}',
    });
    const withSuffix = await call(echoPatch, {
      method: 'POST',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"a":2}',
    });

    // then both are parsed
    expect([withCharset.status, withSuffix.status]).toEqual([200, 200]);
    expect([withCharset.body, withSuffix.body]).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('decodes a base64-encoded body', async () => {
    // given API Gateway passes the body base64-encoded
    const response = await postProduct(Buffer.from(JSON.stringify(VALID_PRODUCT)).toString('base64'), {
      isBase64Encoded: true,
    });

    // then the route sees the JSON inside
    expect(response.status).toBe(201);
    expect(seen[0]?.body).toMatchObject(VALID_PRODUCT);
  });

  it('coerces and defaults query parameters', async () => {
    // given a public listing with and without a limit
    const withLimit = await call(listProducts, { queryStringParameters: { limit: '5' } });
    const withoutLimit = await call(listProducts, {});

    // then the limit is a number, 20 by default
    expect(withLimit.body).toEqual({ items: [], limit: 5 });
    expect(withoutLimit.body).toEqual({ items: [], limit: 20 });
  });
});

describe('validation', () => {
  it('lists every bad field with a dotted path, unknown fields included, and does not call the route', async () => {
    // given a body with an empty name, a negative amount, a lower-case currency and an unknown field
    const response = await postProduct({ name: '', price: { amount: -1, currency: 'eur' }, colour: 'red' });

    // then one 400 problem lists all four
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      type: 'urn:commerce:problem:validation-failed',
      title: 'Bad Request',
      status: 400,
      instance: '/products',
    });
    const paths = (response.body.errors as { path: string; message: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['colour', 'name', 'price.amount', 'price.currency']);
    expect(response.body.errors).toContainEqual({ path: 'colour', message: 'is not an allowed field' });
    expect(response.body.errors).toContainEqual({
      path: 'price.currency',
      message: 'must be an ISO 4217 code such as EUR',
    });
    expect(seen).toHaveLength(0);
  });

  it('reports a missing nested object at its own path', async () => {
    // given a body without a price
    const response = await postProduct({ name: 'Cup' });

    // then the missing field is named
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'price', message: expect.any(String) }]);
  });

  it('reports every unknown field separately, with its nested path', async () => {
    // given unknown fields at the top level and inside a strict nested object
    const response = await call(changePrice, {
      method: 'POST',
      path: '/products/cup/price',
      pathParameters: { productId: 'cup' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100, currency: 'EUR', discount: 5, note: 'x' }),
      claims: ADMIN,
    });

    // then each is listed
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'discount', message: 'is not an allowed field' },
        { path: 'note', message: 'is not an allowed field' },
      ]),
    );
  });

  it('validates path parameters and query strings too', async () => {
    // given an id that is not a slug, and a limit out of range
    const badPath = await call(changePrice, {
      method: 'POST',
      pathParameters: { productId: 'Not A Slug' },
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100, currency: 'EUR' }),
      claims: ADMIN,
    });
    const badQuery = await call(listProducts, { queryStringParameters: { limit: '0' } });

    // then both are 400s naming the parameter
    expect(badPath.status).toBe(400);
    expect(badPath.body.errors).toEqual([{ path: 'productId', message: expect.any(String) }]);
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.errors).toEqual([{ path: 'limit', message: expect.any(String) }]);
  });
});

describe('declared headers', () => {
  it('hands the route their parsed values under their canonical names, whatever case the client sent', async () => {
    const response = await call(withHeaders, { headers: { 'idempotency-key': ' k1 ', 'x-page-size': '20' } });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ 'Idempotency-Key': 'k1', 'X-Page-Size': 20 });
  });

  it('leaves an optional header out when it is absent', async () => {
    const response = await call(withHeaders, { headers: { 'IDEMPOTENCY-KEY': 'k1' } });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ 'Idempotency-Key': 'k1' });
  });

  it('refuses a missing required header and an invalid one in one 400 naming both, before the route runs', async () => {
    const response = await call(withHeaders, { headers: { 'x-page-size': '500' } });

    expect(response.status).toBe(400);
    expect(response.body.detail).toBe('Missing or invalid request header(s): Idempotency-Key, X-Page-Size.');
    expect(response.body.errors).toEqual([
      { path: 'headers.Idempotency-Key', message: 'is required (one key per attempt)' },
      { path: 'headers.X-Page-Size', message: expect.any(String) },
    ]);
    expect(seen).toEqual([]);
  });
});

describe('body parsing', () => {
  it('refuses a non-JSON content type with 415', async () => {
    // given a JSON body labelled as text
    const response = await postProduct(VALID_PRODUCT, { headers: { 'content-type': 'text/plain' } });

    // then it is refused before validation
    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ type: 'urn:commerce:problem:unsupported-media-type', status: 415 });
    expect(seen).toHaveLength(0);
  });

  it('refuses a body without any content type with 415', async () => {
    // given no content-type header
    const response = await call(createProduct, {
      method: 'POST',
      body: JSON.stringify(VALID_PRODUCT),
      claims: ADMIN,
    });

    // then it is refused
    expect(response.status).toBe(415);
  });

  it('refuses a body over the default 16 KiB limit with 413', async () => {
    // given a valid-looking body of about 17 KiB
    const response = await postProduct({ ...VALID_PRODUCT, description: 'x'.repeat(17 * 1024) });

    // then it is refused as too large, not parsed
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ type: 'urn:commerce:problem:payload-too-large', status: 413 });
    expect(seen).toHaveLength(0);
  });

  it('applies a route-specific limit and counts decoded bytes', async () => {
    // given a route limited to 256 bytes, and a body of 300 bytes sent base64-encoded
    const body = JSON.stringify({ amount: 100, currency: 'EUR', pad: 'y'.repeat(260) });
    const response = await call(changePrice, {
      method: 'POST',
      pathParameters: { productId: 'cup' },
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      claims: ADMIN,
    });

    // then it is refused as too large
    expect(response.status).toBe(413);
  });

  it('answers malformed JSON with 400', async () => {
    // given a truncated JSON body
    const response = await postProduct('{"name": "Cup", "price": {');

    // then the client is told the JSON is invalid
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ type: 'urn:commerce:problem:bad-request', status: 400 });
    expect(response.body.detail).toMatch(/not valid JSON/);
  });

  it('answers a missing body with 400', async () => {
    // given no body on a route that needs one
    const response = await call(createProduct, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      claims: ADMIN,
    });

    // then it is refused
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/body is required/);
  });
});

describe('authorization', () => {
  it('answers 401 on a customer route without claims', async () => {
    // given no verified token
    const response = await call(myOrders, {});

    // then the caller must authenticate
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ type: 'urn:commerce:problem:unauthorized', status: 401 });
    expect(seen).toHaveLength(0);
  });

  it('answers 401, not 403, on an admin route without claims, before looking at the body', async () => {
    // given no token and an invalid body
    const response = await postProduct({}, { claims: {} });

    // then authentication comes first
    expect(response.status).toBe(401);
  });

  it('answers 403 to a signed-in non-admin on an admin route', async () => {
    // given a customer without groups, and one in an unrelated group
    const noGroups = await postProduct(VALID_PRODUCT, { claims: CUSTOMER });
    const staffOnly = await postProduct(VALID_PRODUCT, {
      claims: { sub: 'u2', 'cognito:groups': '[staff]' },
    });

    // then both are forbidden and the route never runs
    expect(noGroups.status).toBe(403);
    expect(noGroups.body).toMatchObject({ type: 'urn:commerce:problem:forbidden', status: 403 });
    expect(staffOnly.status).toBe(403);
    expect(seen).toHaveLength(0);
  });

  it.each([
    ['a JSON array (local)', ['staff', 'admin']],
    ["AWS's flattened string", '[admin staff]'],
    ['a single flattened group', '[admin]'],
    ['a JSON-looking string', '["staff","admin"]'],
  ])('accepts cognito:groups as %s', async (_form, groups) => {
    // given an admin whose groups claim arrives in this form
    const response = await postProduct(VALID_PRODUCT, {
      claims: { sub: 'user-admin', 'cognito:groups': groups },
    });

    // then the admin route runs and the caller is an admin with both groups
    expect(response.status).toBe(201);
    expect(seen[0]?.caller?.isAdmin).toBe(true);
    expect(seen[0]?.caller?.groups).toContain('admin');
  });

  it('does not treat a group that merely contains "admin" as admin', async () => {
    // given a caller in the "administrators" group
    const response = await postProduct(VALID_PRODUCT, {
      claims: { sub: 'u3', 'cognito:groups': '[administrators]' },
    });

    // then the admin route is forbidden
    expect(response.status).toBe(403);
  });

  it('lets anyone call a public route', async () => {
    // given no claims
    const response = await call(listProducts, {});

    // then the route runs with no caller
    expect(response.status).toBe(200);
    expect(seen[0]?.caller).toBeUndefined();
  });
});

describe('errors', () => {
  it('answers an unexpected error with a 500 problem that reveals nothing internal, and logs it', async () => {
    // given the route fails with an error carrying internals
    failWith = new Error('connect ECONNREFUSED db.internal:5432 password=hunter2');

    // when it is called
    const response = await postProduct(VALID_PRODUCT, { headers: { 'x-correlation-id': 'corr-500' } });

    // then the client gets a generic 500 problem with the correlation id to quote
    expect(response.status).toBe(500);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toEqual({
      type: 'urn:commerce:problem:internal-error',
      title: 'Internal Server Error',
      status: 500,
      detail: expect.any(String),
      instance: '/products',
      correlationId: 'corr-500',
    });
    expect(response.rawBody).not.toContain('ECONNREFUSED');
    expect(response.rawBody).not.toContain('hunter2');
    expect(response.rawBody).not.toContain('http-handler.test');
    expect(response.rawBody).not.toMatch(/\bat .*:\d+:\d+/);
    // and operators find the real error in the logs under the same correlation id
    const errorLine = logged.map((line) => JSON.parse(line)).find((line) => line.level === 'ERROR');
    expect(errorLine).toMatchObject({
      correlationId: 'corr-500',
      error: { message: expect.stringContaining('hunter2') },
    });
  });

  it('maps a domain error thrown by the route to its status and problem type', async () => {
    // given the route throws a typed domain failure
    failWith = new ProductNotFound('espresso-cup');

    // when it is called
    const response = await postProduct(VALID_PRODUCT);

    // then the client gets that 404 with its details
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      type: 'urn:commerce:problem:product-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No product with id "espresso-cup".',
      productId: 'espresso-cup',
    });
  });
});

describe('correlation id', () => {
  it('echoes a valid x-correlation-id on success and on errors', async () => {
    // given a client-chosen correlation id
    const ok = await postProduct(VALID_PRODUCT, { headers: { 'x-correlation-id': 'order-flow:42.a_b-c' } });
    const refused = await postProduct({}, { headers: { 'x-correlation-id': 'order-flow:43' } });

    // then it comes back in the header (and in the problem body)
    expect(ok.headers['x-correlation-id']).toBe('order-flow:42.a_b-c');
    expect(refused.headers['x-correlation-id']).toBe('order-flow:43');
    expect(refused.body.correlationId).toBe('order-flow:43');
  });

  it('uses the gateway request id when the header is missing', async () => {
    // given no correlation header
    const response = await call(listProducts, { requestId: 'gw-req-77' });

    // then the gateway's request id becomes the correlation id
    expect(response.headers['x-correlation-id']).toBe('gw-req-77');
    expect(seen[0]?.correlationId).toBe('gw-req-77');
  });

  it.each([
    ['spaces', 'not a valid id'],
    ['a header injection', 'abc\r\nset-cookie: x=1'],
    ['more than 128 characters', 'a'.repeat(129)],
  ])('replaces an invalid header (%s) with a generated id', async (_case, value) => {
    // given a correlation header that is not safe to echo
    const response = await call(listProducts, {
      headers: { 'x-correlation-id': value },
      requestId: 'gw-req-88',
    });

    // then it is not echoed; a generated id is used instead
    expect(response.headers['x-correlation-id']).toBe('gw-req-88');
  });

  it('generates a UUID when neither header nor gateway request id is present', async () => {
    // given an event without a request id
    const event = httpEvent({});
    event.requestContext.requestId = '';

    // when it is handled
    const result = await listProducts(event, fakeContext());

    // then a UUID is used
    expect((result.headers as Record<string, string>)['x-correlation-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });
});

describe('CORS', () => {
  it('allows only configured origins', async () => {
    // given one allowed origin
    vi.stubEnv('CORS_ALLOWED_ORIGINS', 'https://shop.example,https://admin.example');

    // when the allowed and another origin call
    const allowed = await call(listProducts, { headers: { origin: 'https://admin.example' } });
    const other = await call(listProducts, { headers: { origin: 'https://evil.example' } });

    // then only the allowed one gets CORS headers, exposing the correlation id
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example');
    expect(allowed.headers['access-control-expose-headers']).toBe('x-correlation-id');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('bodies that are valid JSON but not objects', () => {
  it.each([0, false, 'text'])(
    'answers 400 for a body of %j, even when it arrives already parsed',
    async (value) => {
      const { httpHandler, json } = await import('../../../shared/http/handler.js');
      const route = httpHandler({ access: 'public', body: z.strictObject({ name: z.string() }) }, async () =>
        json(200, {}),
      );
      const event = {
        rawPath: '/things',
        headers: { 'content-type': 'application/json' },
        requestContext: { requestId: 'req-1' },
        // serverless-offline passes a parsed scalar body through as-is
        body: value as unknown as string,
        isBase64Encoded: false,
      };
      const response = await route(event as never, { functionName: 'test', awsRequestId: 'r' } as never);
      expect(response.statusCode).toBe(400);
    },
  );
});

import { beforeAll, describe, expect, it } from 'vitest';
import { call, tokenFor, uniqueId, waitForBusEvent } from '../support/api.js';

let admin: string;
let customer: string;

beforeAll(async () => {
  admin = await tokenFor('catalog-admin', { admin: true });
  customer = await tokenFor('catalog-customer');
});

const newProduct = (productId = uniqueId('p')) => ({
  productId,
  name: 'Moka pot',
  description: 'Three cups, aluminium',
  price: { amount: 3500, currency: 'EUR' },
});

describe('health', () => {
  it('answers ok with a correlation id', async () => {
    const response = await call('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers.get('x-correlation-id')).toBeTruthy();
  });
});

describe('POST /products', () => {
  it('creates a product that GET /products/{id} then returns', async () => {
    const input = newProduct();
    const created = await call('POST', '/products', { token: admin, body: input });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...input, available: 0 });

    const fetched = await call('GET', `/products/${input.productId}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({
      productId: input.productId,
      name: input.name,
      description: input.description,
      price: input.price,
      available: 0,
    });
    expect(typeof fetched.body.updatedAt).toBe('string');
  });

  it('chooses an id when none is given', async () => {
    const { productId: _omitted, ...input } = newProduct();
    const created = await call('POST', '/products', { token: admin, body: input });
    expect(created.status).toBe(201);
    expect(created.body.productId).toMatch(/^[a-z0-9-]+$/);
  });

  it('answers 409 for an id that exists and leaves the stored product untouched', async () => {
    const input = newProduct();
    expect((await call('POST', '/products', { token: admin, body: input })).status).toBe(201);
    const again = await call('POST', '/products', {
      token: admin,
      body: { ...input, name: 'Overwritten?', price: { amount: 1, currency: 'EUR' } },
    });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body).toMatchObject({ status: 409, title: 'Conflict' });
    const stored = await call('GET', `/products/${input.productId}`);
    expect(stored.body).toMatchObject({ name: input.name, price: input.price });
  });

  it('lists every invalid field in one problem+json response', async () => {
    const response = await call('POST', '/products', {
      token: admin,
      body: { productId: 'Not A Slug!', name: '', price: { amount: -5, currency: 'euro' }, colour: 'red' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({
      type: expect.any(String),
      title: 'Bad Request',
      status: 400,
      detail: expect.any(String),
    });
    const paths = response.body.errors.map((error: { path: string }) => error.path).sort();
    expect(paths).toEqual(['colour', 'name', 'price.amount', 'price.currency', 'productId']);
  });

  it('refuses malformed JSON, a wrong content type and an oversized body with 4xx problems', async () => {
    const malformed = await call('POST', '/products', { token: admin, rawBody: '{"name": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toMatch(/not valid JSON/);

    const wrongType = await call('POST', '/products', {
      token: admin,
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.status).toBe(415);

    const oversized = await call('POST', '/products', {
      token: admin,
      body: { ...newProduct(), description: 'x'.repeat(40_000) },
    });
    expect(oversized.status).toBe(413);
  });

  it('is for admins only: a customer gets 403, no token 401', async () => {
    expect((await call('POST', '/products', { token: customer, body: newProduct() })).status).toBe(403);
    expect((await call('POST', '/products', { body: newProduct() })).status).toBe(401);
  });

  it('publishes ProductCreated with the request correlation id', async () => {
    const correlationId = uniqueId('corr');
    const input = newProduct();
    await call('POST', '/products', {
      token: admin,
      body: input,
      headers: { 'x-correlation-id': correlationId },
    });
    const event = await waitForBusEvent({ detailType: 'ProductCreated', correlationId });
    expect(event.source).toBe('commerce.catalog');
    expect(event.detail.data).toMatchObject({ productId: input.productId, price: input.price });
    expect(event.detail.metadata).toMatchObject({
      eventType: 'ProductCreated',
      eventVersion: 1,
      correlationId,
    });
  });
});

describe('GET /products', () => {
  it('pages with limit and an opaque cursor, without repeating products', async () => {
    for (let i = 0; i < 3; i++) await call('POST', '/products', { token: admin, body: newProduct() });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/products?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call('GET', query);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((item: { productId: string }) => item.productId));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('rejects a limit above 100 and a forged cursor with 400', async () => {
    expect((await call('GET', '/products?limit=101')).status).toBe(400);
    const forged = await call('GET', '/products?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(forged.body.detail).toMatch(/cursor/);
  });

  it('answers 404 problem for an unknown product', async () => {
    const response = await call('GET', '/products/does-not-exist');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ status: 404, title: 'Not Found' });
  });
});

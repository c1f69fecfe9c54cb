import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { api, tokenFor, uniqueId } from '../support/api.js';

const committed = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/openapi.json'), 'utf8'));

describe('GET /openapi.json', () => {
  it('serves the generated document, publicly', async () => {
    const response = await api.getOpenApiDocument();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-correlation-id')).toBeTruthy();
    expect(response.body).toEqual(committed);
  });
});

describe('the typed client', () => {
  it('creates, reads and stocks a product with typed requests and responses', async () => {
    const admin = await tokenFor('openapi-admin', { admin: true });
    const productId = uniqueId('typed');
    const created = await api.createProduct(
      { body: { productId, name: 'Typed cup', price: { amount: 990, currency: 'EUR' } } },
      { token: admin },
    );
    expect(created.status).toBe(201);
    const stocked = await api.setStock({ path: { productId }, body: { quantity: 3 } }, { token: admin });
    expect(stocked.status === 200 && stocked.body.available).toBe(3);
    const fetched = await api.getProduct({ path: { productId } });
    if (fetched.status !== 200) throw new Error(`GET /products/${productId}: ${fetched.body.detail}`);
    expect(fetched.body.price).toEqual({ amount: 990, currency: 'EUR' });
    const missing = await api.getProduct({ path: { productId: 'no-such-product' } });
    expect(missing.status === 404 && missing.body.type).toBe('urn:commerce:problem:product-not-found');
  });
});

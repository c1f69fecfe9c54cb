import { beforeAll, describe, expect, it } from 'vitest';
import { call, tokenFor } from '../support/api.js';

const product = { name: 'Tamper', description: '', price: { amount: 100, currency: 'EUR' } };

function base64url(value: object) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('the JWT authorizer, locally as in AWS', () => {
  let valid: string;
  beforeAll(async () => {
    valid = await tokenFor('auth-admin', { admin: true });
  });

  it('accepts a valid admin token', async () => {
    expect((await call('POST', '/products', { token: valid, body: product })).status).toBe(201);
  });

  it('rejects a missing token', async () => {
    expect((await call('POST', '/products', { body: product })).status).toBe(401);
  });

  it('rejects an expired token', async () => {
    const expired = await tokenFor('auth-admin', { admin: true, expiresIn: '-1m' });
    expect((await call('POST', '/products', { token: expired, body: product })).status).toBe(401);
  });

  it('rejects a token whose payload was tampered with', async () => {
    const [header, payload, signature] = valid.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
    const tampered = `${header}.${base64url({ ...claims, sub: 'someone-else' })}.${signature}`;
    expect((await call('POST', '/products', { token: tampered, body: product })).status).toBe(401);
  });

  it('rejects an unsigned token (alg: none)', async () => {
    const [, payload] = valid.split('.');
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    expect((await call('POST', '/products', { token: unsigned, body: product })).status).toBe(401);
  });

  it('rejects a token issued for another audience', async () => {
    const other = await tokenFor('auth-admin', { admin: true, audience: 'another-app' });
    expect((await call('POST', '/products', { token: other, body: product })).status).toBe(401);
  });

  it("ignores serverless-offline's authorizer-override header: the caller is the token's subject", async () => {
    // given a customer's valid token, and the header claiming another user who is an admin
    const customer = await tokenFor('auth-override-customer');
    const override = {
      'sls-offline-authorizer-override': JSON.stringify({
        jwt: { claims: { sub: 'auth-override-victim', 'cognito:groups': ['admin'] }, scopes: null },
      }),
    };

    // then an admin route is still forbidden and the profile read is the customer's own
    const price = await call('PUT', '/products/espresso-cup/price', {
      token: customer,
      body: { amount: 1, currency: 'EUR' },
      headers: override,
    });
    const me = await call('GET', '/me', { token: customer, headers: override });
    expect(price.status).toBe(403);
    expect(me).toMatchObject({ status: 200, body: { customerId: 'auth-override-customer' } });
  });

  it('answers 403 to a customer on an admin route', async () => {
    const customer = await tokenFor('auth-customer');
    const response = await call('PUT', '/products/espresso-cup/price', {
      token: customer,
      body: { amount: 1, currency: 'EUR' },
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ status: 403, title: 'Forbidden' });
  });
});

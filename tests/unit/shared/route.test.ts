import { describe, expect, it } from 'vitest';
import * as z from '../../../events/zod.js';
import { routeDeclaredBy } from '../../../scripts/deploy/http-routes.mjs';
import { defineRoute, type RouteKey } from '../../../shared/http/route.js';

const responses = { 200: z.object({ ok: z.boolean() }) };

describe('defineRoute', () => {
  it('reads the method and the path from the route key, as serverless.yml and API Gateway write it', () => {
    const route = defineRoute('GET /products/{productId}', 'getProduct', {
      summary: 'One product',
      access: 'public',
      responses,
    });

    expect(route).toMatchObject({ operationId: 'getProduct', method: 'GET', url: '/products/{productId}' });
  });

  it.each(['GET/products', 'get /products', 'GET  /products', 'FETCH /products', 'GET products'])(
    'refuses %j, naming what a route key is',
    (key) => {
      expect(() => defineRoute(key as RouteKey, 'x', { summary: 'x', access: 'public', responses })).toThrow(
        /is not a route key: write the method, one space and the path/,
      );
    },
  );
});

describe('the declarations the tooling reads (routeDeclaredBy)', () => {
  const moduleDeclaring = (tag?: string) => async () => ({
    route: defineRoute('GET /orders', 'listMyOrders', {
      ...(tag ? { tag } : {}),
      summary: 'Orders',
      access: 'customer',
      responses,
    }),
  });

  it("tags a route with its handler's folder when it names no tag", async () => {
    const route = await routeDeclaredBy('functions/catalog/list-products.handler', moduleDeclaring());
    expect(route?.tag).toBe('catalog');
  });

  it('keeps the tag a read side names for the resource it serves', async () => {
    const route = await routeDeclaredBy('functions/views/list-orders.handler', moduleDeclaring('orders'));
    expect(route?.tag).toBe('orders');
  });
});

import { getProduct } from '../../domains/catalog/get-product.js';
import { productSchema } from '../../domains/catalog/responses.js';
import { productPathSchema } from '../../domains/catalog/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { productRepository } from './dependencies.js';

export const route = defineRoute('GET /products/{productId}', 'getProduct', {
  summary: 'One product, with the stock a customer can still order',
  access: 'public',
  path: productPathSchema,
  responses: { 200: productSchema },
  problems: [404],
});

export const handler = httpHandler(route, async ({ path }) =>
  json(200, await getProduct(path.productId, { products: productRepository() })),
);

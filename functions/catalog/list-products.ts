import { listProducts } from '../../domains/catalog/get-product.js';
import { productPageSchema } from '../../domains/catalog/responses.js';
import { listProductsQuerySchema } from '../../domains/catalog/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { productRepository } from './dependencies.js';

export const route = defineRoute('GET /products', 'listProducts', {
  summary: 'A page of products',
  access: 'public',
  query: listProductsQuerySchema,
  responses: { 200: productPageSchema },
});

export const handler = httpHandler(route, async ({ query }) =>
  json(200, await listProducts(query, { products: productRepository() })),
);

import { listProducts } from '../../domains/catalog/get-product.js';
import { listProductsQuerySchema } from '../../domains/catalog/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { productRepository } from './dependencies.js';

export const handler = httpHandler({ access: 'public', query: listProductsQuerySchema }, async ({ query }) =>
  json(200, await listProducts(query, { products: productRepository() })),
);

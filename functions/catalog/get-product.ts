import { getProduct } from '../../domains/catalog/get-product.js';
import { productPathSchema } from '../../domains/catalog/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { productRepository } from './dependencies.js';

export const handler = httpHandler({ access: 'public', path: productPathSchema }, async ({ path }) =>
  json(200, await getProduct(path.productId, { products: productRepository() })),
);

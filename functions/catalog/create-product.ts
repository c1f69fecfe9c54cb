import { createProduct } from '../../domains/catalog/create-product.js';
import { productSchema } from '../../domains/catalog/responses.js';
import { createProductSchema } from '../../domains/catalog/schemas.js';
import { json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { tracedHttpHandler } from '../../shared/http/traced-handler.js';
import { clock, productRepository } from './dependencies.js';

export const route = defineRoute('POST /products', 'createProduct', {
  summary: 'Create a product',
  description: 'A given `productId` that exists already is a 409; without one, the server chooses it.',
  access: 'admin',
  body: createProductSchema,
  responses: { 201: productSchema },
  problems: [409],
});

export const handler = tracedHttpHandler(route, async ({ body, correlationId }) =>
  json(
    201,
    await createProduct(
      body,
      { products: productRepository(), clock },
      { correlationId, causationId: correlationId },
    ),
  ),
);

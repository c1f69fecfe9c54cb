import { createProduct } from '../../domains/catalog/create-product.js';
import { createProductSchema } from '../../domains/catalog/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { clock, productRepository } from './dependencies.js';

export const handler = httpHandler(
  { access: 'admin', body: createProductSchema },
  async ({ body, correlationId }) =>
    json(
      201,
      await createProduct(
        body,
        { products: productRepository(), clock },
        { correlationId, causationId: correlationId },
      ),
    ),
);

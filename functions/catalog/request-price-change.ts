import { requestPriceChange } from '../../domains/catalog/change-price.js';
import { priceChangeAcceptedSchema } from '../../domains/catalog/responses.js';
import { changePriceSchema, productPathSchema } from '../../domains/catalog/schemas.js';
import { json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { tracedHttpHandler } from '../../shared/http/traced-handler.js';
import { clock, priceChangeQueue, productRepository } from './dependencies.js';

export const route = defineRoute('PUT /products/{productId}/price', 'changePrice', {
  summary: "Change a product's price",
  description:
    'Accepted (202) and applied shortly after; changes of one product are applied in the order received.',
  access: 'admin',
  path: productPathSchema,
  body: changePriceSchema,
  responses: { 202: priceChangeAcceptedSchema },
  problems: [404],
});

export const handler = tracedHttpHandler(route, async ({ path, body, correlationId }) => {
  const command = await requestPriceChange(
    path.productId,
    body,
    { products: productRepository(), queue: priceChangeQueue(), clock },
    { correlationId, causationId: correlationId },
  );
  return json(202, { productId: command.productId, price: command.price, requestId: command.commandId });
});

import { requestPriceChange } from '../../domains/catalog/change-price.js';
import { changePriceSchema, productPathSchema } from '../../domains/catalog/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { clock, priceChangeQueue, productRepository } from './dependencies.js';

export const handler = httpHandler(
  { access: 'admin', path: productPathSchema, body: changePriceSchema },
  async ({ path, body, correlationId }) => {
    const command = await requestPriceChange(
      path.productId,
      body,
      { products: productRepository(), queue: priceChangeQueue(), clock },
      { correlationId, causationId: correlationId },
    );
    return json(202, { productId: command.productId, price: command.price, requestId: command.commandId });
  },
);

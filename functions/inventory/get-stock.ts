import { getStock } from '../../domains/inventory/get-stock.js';
import { stockLevelOf } from '../../domains/inventory/model.js';
import { stockLevelSchema } from '../../domains/inventory/responses.js';
import { stockPathSchema } from '../../domains/inventory/schemas.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { inventoryRepository } from './dependencies.js';

export const route = defineRoute('GET /inventory/{productId}', 'getStock', {
  summary: 'The stock of one product',
  access: 'admin',
  path: stockPathSchema,
  responses: { 200: stockLevelSchema },
  problems: [404],
});

export const handler = httpHandler(route, async ({ path }) =>
  json(200, stockLevelOf(await getStock(path.productId, { inventory: inventoryRepository() }))),
);

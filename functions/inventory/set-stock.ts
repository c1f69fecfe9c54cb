import { MAX_STOCK_QUANTITY, stockLevelOf } from '../../domains/inventory/model.js';
import { stockLevelSchema } from '../../domains/inventory/responses.js';
import { setStockSchema, stockPathSchema } from '../../domains/inventory/schemas.js';
import { setStock } from '../../domains/inventory/set-stock.js';
import { json } from '../../shared/http/handler.js';
import { defineRoute } from '../../shared/http/route.js';
import { tracedHttpHandler } from '../../shared/http/traced-handler.js';
import { inventoryPorts } from './dependencies.js';

export const route = defineRoute('PUT /inventory/{productId}', 'setStock', {
  summary: 'Set the on-hand stock of a product',
  description: `A quantity below the units reserved by open orders is a 409; above ${MAX_STOCK_QUANTITY} units, a 400.`,
  access: 'admin',
  path: stockPathSchema,
  body: setStockSchema,
  responses: { 200: stockLevelSchema },
  problems: [409],
});

export const handler = tracedHttpHandler(route, async ({ path, body, correlationId }) =>
  json(
    200,
    stockLevelOf(
      await setStock(path.productId, body.quantity, inventoryPorts(), {
        correlationId,
        causationId: correlationId,
      }),
    ),
  ),
);

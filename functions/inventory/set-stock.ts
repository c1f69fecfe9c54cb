import { stockLevelOf } from '../../domains/inventory/model.js';
import { setStockSchema, stockPathSchema } from '../../domains/inventory/schemas.js';
import { setStock } from '../../domains/inventory/stock-levels.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { inventoryPorts } from './dependencies.js';

export const handler = httpHandler(
  { access: 'admin', path: stockPathSchema, body: setStockSchema },
  async ({ path, body, correlationId }) =>
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

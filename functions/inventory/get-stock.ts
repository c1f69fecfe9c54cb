import { stockLevelOf } from '../../domains/inventory/model.js';
import { stockPathSchema } from '../../domains/inventory/schemas.js';
import { getStock } from '../../domains/inventory/stock-levels.js';
import { httpHandler, json } from '../../shared/http/handler.js';
import { inventoryRepository } from './dependencies.js';

export const handler = httpHandler({ access: 'admin', path: stockPathSchema }, async ({ path }) =>
  json(200, stockLevelOf(await getStock(path.productId, { inventory: inventoryRepository() }))),
);

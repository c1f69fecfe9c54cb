import { type StockItem, StockItemNotFound } from './model.js';
import type { InventoryRepository } from './ports.js';

/** The stock item of a product; a product never counted is a 404. */
export async function getStock(
  productId: string,
  ports: { inventory: InventoryRepository },
): Promise<StockItem> {
  const item = await ports.inventory.getStock(productId);
  if (!item) throw new StockItemNotFound(productId);
  return item;
}

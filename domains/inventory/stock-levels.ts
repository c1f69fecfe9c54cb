import { type StockItem, StockItemNotFound, withOnHand } from './model.js';
import type { InventoryPorts, InventoryRepository, Trace } from './ports.js';
import { retryOnConflict, stockLevelChanged } from './stock-changes.js';

/**
 * Sets the units on hand of a product (creating its stock item on first use) and records
 * StockLevelChanged. Reserved units stay reserved, so the count may not drop below them.
 */
export async function setStock(
  productId: string,
  quantity: number,
  ports: InventoryPorts,
  trace: Trace,
): Promise<StockItem> {
  return retryOnConflict(ports.backoff, async () => {
    const before = await ports.inventory.getStock(productId);
    const now = ports.clock.now();
    const after = withOnHand(before, productId, quantity, now);
    await ports.inventory.save({
      stock: [{ before, after }],
      events: [stockLevelChanged(after, trace, now)],
    });
    return after;
  });
}

export async function getStock(
  productId: string,
  ports: { inventory: InventoryRepository },
): Promise<StockItem> {
  const item = await ports.inventory.getStock(productId);
  if (!item) throw new StockItemNotFound(productId);
  return item;
}

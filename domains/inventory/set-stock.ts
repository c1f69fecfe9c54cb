import type { CausalContext } from '../../events/envelope.js';
import { OnHandBelowReserved, type StockItem } from './model.js';
import type { InventoryPorts } from './ports.js';

/**
 * Sets the units on hand of a product (creating its stock item on first use); its StockLevelChanged is
 * published from the stored item. Reserved units stay reserved, so the count may not drop below them;
 * the store checks that in the same atomic write, so a reservation racing the count is never lost.
 */
export async function setStock(
  productId: string,
  quantity: number,
  ports: Pick<InventoryPorts, 'inventory' | 'clock'>,
  trace: CausalContext,
): Promise<StockItem> {
  const outcome = await ports.inventory.setOnHand(productId, quantity, {
    cause: trace,
    at: ports.clock.now(),
  });
  if ('reserved' in outcome) throw new OnHandBelowReserved(productId, quantity, outcome.reserved);
  return outcome.stored;
}

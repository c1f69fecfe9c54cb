import { PriceChangedV1 } from '../../events/catalog/index.js';
import { type CausalContext, createEnvelope } from '../../events/envelope.js';
import type { Money } from '../../events/money.js';
import type { Clock } from '../../shared/clock.js';
import { ProductNotFound, withPrice } from './model.js';
import type { PriceChangeQueue, ProductRepository } from './ports.js';
import type { PriceChangeCommand } from './schemas.js';

/**
 * Accepts a price change for later, ordered application: changes of one product travel through a FIFO
 * queue grouped by product, so rapid changes are applied in the order they were received.
 */
export async function requestPriceChange(
  productId: string,
  price: Money,
  ports: { products: ProductRepository; queue: PriceChangeQueue; clock: Clock },
  trace: CausalContext,
): Promise<PriceChangeCommand> {
  if (!(await ports.products.get(productId))) throw new ProductNotFound(productId);
  const command: PriceChangeCommand = {
    commandId: crypto.randomUUID(),
    productId,
    price,
    requestedAt: ports.clock.now().toISOString(),
    correlationId: trace.correlationId,
  };
  await ports.queue.enqueue(command);
  return command;
}

/** Applies one queued price change and records `PriceChanged` with it. */
export async function applyPriceChange(
  command: PriceChangeCommand,
  ports: { products: ProductRepository; clock: Clock },
): Promise<void> {
  const current = await ports.products.get(command.productId);
  if (!current) throw new ProductNotFound(command.productId);
  const now = ports.clock.now();
  const next = withPrice(current, command.price, now);
  const changed = createEnvelope(
    PriceChangedV1,
    {
      productId: next.productId,
      previousPrice: current.price,
      price: next.price,
      priceVersion: next.priceVersion,
      changedAt: next.updatedAt,
    },
    { correlationId: command.correlationId, causationId: command.commandId },
    { now },
  );
  await ports.products.savePriceChange(next, current.priceVersion, [changed]);
}

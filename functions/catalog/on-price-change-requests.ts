import { applyPriceChange } from '../../domains/catalog/change-price.js';
import { priceChangeCommandSchema } from '../../domains/catalog/schemas.js';
import { sqsFifoConsumer } from '../../shared/consumers/sqs-fifo.js';
import { idempotentWork } from '../../shared/idempotency.js';
import { clock, productRepository } from './dependencies.js';

export const handler = sqsFifoConsumer(
  {
    body: priceChangeCommandSchema,
    // A redelivered command would change the price again (a new price version): one record per command id.
    idempotency: idempotentWork,
    identify: (command) => ({ idempotencyKey: command.commandId, correlationId: command.correlationId }),
  },
  (command) => applyPriceChange(command, { products: productRepository(), clock }),
);

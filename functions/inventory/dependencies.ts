// The inventory's composition root: adapters are built once per execution environment, on first use.
import { DynamoDbInventoryRepository } from '../../domains/inventory/adapters/dynamodb-inventory-repository.js';
import type { InventoryPorts } from '../../domains/inventory/ports.js';
import { dynamoDb } from '../../shared/aws/clients.js';
import { systemClock as clock } from '../../shared/clock.js';
import { requiredEnv } from '../../shared/config.js';
import { conflictBackoff as backoff } from '../../shared/dynamodb/retry-on-conflict.js';
import { onFirstUse } from '../../shared/lazy.js';

/**
 * The time every use case of this domain reads, and the shared conflict policy's pause (full jitter)
 * between decisions on one order's reservation.
 */
export { backoff, clock };

export const inventoryRepository = /* @__PURE__ */ onFirstUse(
  (): DynamoDbInventoryRepository =>
    new DynamoDbInventoryRepository(
      dynamoDb(),
      requiredEnv('INVENTORY_TABLE_NAME'),
      requiredEnv('EVENT_SOURCE'),
    ),
);

export function inventoryPorts(): InventoryPorts {
  return { inventory: inventoryRepository(), clock, backoff };
}

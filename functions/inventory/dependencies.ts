import { DynamoDbInventoryRepository } from '../../domains/inventory/adapters/dynamodb-inventory-repository.js';
import type { InventoryPorts } from '../../domains/inventory/ports.js';
import { dynamoDb } from '../../shared/aws/clients.js';
import { requiredEnv } from '../../shared/config.js';

/** The inventory's composition root: adapters are built once per execution environment, on first use. */
let repository: DynamoDbInventoryRepository | undefined;

export const clock = { now: () => new Date() };

/** Full jitter, doubling from 25 ms up to 1 s: racing writers of one product spread out quickly. */
export const backoff = {
  pause: (attempt: number) =>
    new Promise<void>((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 25 * 2 ** attempt))),
};

export function inventoryRepository(): DynamoDbInventoryRepository {
  repository ??= new DynamoDbInventoryRepository(
    dynamoDb(),
    requiredEnv('INVENTORY_TABLE_NAME'),
    requiredEnv('EVENT_SOURCE'),
  );
  return repository;
}

export function inventoryPorts(): InventoryPorts {
  return { inventory: inventoryRepository(), clock, backoff };
}

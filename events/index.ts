import { PriceChangedV1, ProductCreatedV1 } from './catalog/index.js';
import type { EventContract } from './envelope.js';

export * from './catalog/index.js';
export * from './envelope.js';
export * from './money.js';

/** Every published contract, for documentation and compatibility checks. */
export const allContracts: ReadonlyArray<EventContract<string, unknown>> = [ProductCreatedV1, PriceChangedV1];

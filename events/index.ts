import { PriceChangedV1, ProductCreatedV1 } from './catalog/index.js';
import { CustomerProfileUpdatedV1, CustomerProfileUpdatedV2 } from './customers/index.js';
import type { EventContract } from './envelope.js';
import {
  StockLevelChangedV1,
  StockLevelChangedV2,
  StockReleasedV1,
  StockReservationFailedV1,
  StockReservedV1,
} from './inventory/index.js';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlacedV1, OrderPlacedV2 } from './orders/index.js';
import {
  PaymentAuthorizedV1,
  PaymentCapturedV1,
  PaymentDeclinedV1,
  PaymentRefundedV1,
  PaymentUnavailableV1,
  PaymentVoidedV1,
} from './payments/index.js';

export * from './catalog/index.js';
export * from './customers/index.js';
export * from './envelope.js';
export * from './inventory/index.js';
export * from './money.js';
export * from './orders/index.js';
export * from './payments/index.js';

/** Every published contract, for documentation and compatibility checks. */
export const allContracts: ReadonlyArray<EventContract<string, unknown>> = [
  ProductCreatedV1,
  PriceChangedV1,
  OrderPlacedV1,
  OrderPlacedV2,
  OrderConfirmedV1,
  OrderCancelledV1,
  StockReservedV1,
  StockReservationFailedV1,
  StockReleasedV1,
  StockLevelChangedV1,
  StockLevelChangedV2,
  PaymentAuthorizedV1,
  PaymentDeclinedV1,
  PaymentUnavailableV1,
  PaymentCapturedV1,
  PaymentRefundedV1,
  PaymentVoidedV1,
  CustomerProfileUpdatedV1,
  CustomerProfileUpdatedV2,
];

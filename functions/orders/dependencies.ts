// The orders' composition root: adapters are built once per execution environment, on first use.
import { DynamoDbOrderRepository } from '../../domains/orders/adapters/dynamodb-order-repository.js';
import { DynamoDbPriceBook } from '../../domains/orders/adapters/dynamodb-price-book.js';
import type { Requester } from '../../domains/orders/model.js';
import { dynamoDb, kms } from '../../shared/aws/clients.js';
import { systemClock as clock } from '../../shared/clock.js';
import { requiredEnv } from '../../shared/config.js';
import { KmsPaymentTokenCipher } from '../../shared/crypto/kms-payment-token.js';
import { UnauthorizedError } from '../../shared/errors.js';
import type { Caller } from '../../shared/http/auth.js';
import { onFirstUse } from '../../shared/lazy.js';

/** The shared conflict policy's pause: a concurrent request with the same Idempotency-Key settles quickly. */
export { conflictBackoff as backoff } from '../../shared/dynamodb/retry-on-conflict.js';
/** Counts orders placed, confirmed and cancelled, and the saga's duration (lifecycle-metrics.ts). */
export { lifecycleMetrics as lifecycle } from './lifecycle-metrics.js';
/** The time every use case of this domain reads. */
export { clock };

export const orderRepository = /* @__PURE__ */ onFirstUse(
  (): DynamoDbOrderRepository =>
    new DynamoDbOrderRepository(dynamoDb(), requiredEnv('ORDERS_TABLE_NAME'), requiredEnv('EVENT_SOURCE')),
);

export const priceBook = /* @__PURE__ */ onFirstUse(
  (): DynamoDbPriceBook => new DynamoDbPriceBook(dynamoDb(), requiredEnv('ORDERS_TABLE_NAME')),
);

/** Seals card tokens with the payments' key (PAYMENT_TOKEN_KEY_ID): this role may encrypt, never decrypt. */
export const paymentTokenSealer = /* @__PURE__ */ onFirstUse(
  (): KmsPaymentTokenCipher => new KmsPaymentTokenCipher(kms(), requiredEnv('PAYMENT_TOKEN_KEY_ID')),
);

/** The token's subject is the customer id. */
export function requesterOf(caller: Caller | undefined): Requester {
  if (!caller) throw new UnauthorizedError('A valid bearer token is required.');
  return { customerId: caller.userId, isAdmin: caller.isAdmin };
}

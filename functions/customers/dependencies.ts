// The customers' composition root: adapters are built once per execution environment, on first use.
import { DynamoDbCustomerRepository } from '../../domains/customers/adapters/dynamodb-customer-repository.js';
import { dynamoDb, kms } from '../../shared/aws/clients.js';
import { systemClock as clock } from '../../shared/clock.js';
import { requiredEnv } from '../../shared/config.js';
import { KmsCustomerContactCipher } from '../../shared/crypto/kms-customer-contact.js';
import { UnauthorizedError } from '../../shared/errors.js';
import type { Caller } from '../../shared/http/auth.js';
import { onFirstUse } from '../../shared/lazy.js';

/** The time every use case of this domain reads. */
export { clock };

export const customerRepository = /* @__PURE__ */ onFirstUse(
  (): DynamoDbCustomerRepository =>
    new DynamoDbCustomerRepository(
      dynamoDb(),
      requiredEnv('CUSTOMERS_TABLE_NAME'),
      requiredEnv('EVENT_SOURCE'),
    ),
);

/** Seals contact details with the notifications' contact key (CUSTOMER_CONTACT_KEY_ID): encrypt only. */
export const contactSealer = /* @__PURE__ */ onFirstUse(
  (): KmsCustomerContactCipher => new KmsCustomerContactCipher(kms(), requiredEnv('CUSTOMER_CONTACT_KEY_ID')),
);

/** The customer id is the token's subject. */
export function customerIdOf(caller: Caller | undefined): string {
  if (!caller) throw new UnauthorizedError('A valid bearer token is required.');
  return caller.userId;
}

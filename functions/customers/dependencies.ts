import { DynamoDbCustomerRepository } from '../../domains/customers/adapters/dynamodb-customer-repository.js';
import { dynamoDb } from '../../shared/aws/clients.js';
import { requiredEnv } from '../../shared/config.js';
import { UnauthorizedError } from '../../shared/errors.js';
import type { Caller } from '../../shared/http/auth.js';

/** The customers' composition root: adapters are built once per execution environment, on first use. */
let customers: DynamoDbCustomerRepository | undefined;

export const clock = { now: () => new Date() };

export function customerRepository(): DynamoDbCustomerRepository {
  customers ??= new DynamoDbCustomerRepository(
    dynamoDb(),
    requiredEnv('CUSTOMERS_TABLE_NAME'),
    requiredEnv('EVENT_SOURCE'),
  );
  return customers;
}

/** The customer id is the token's subject. */
export function customerIdOf(caller: Caller | undefined): string {
  if (!caller) throw new UnauthorizedError('A valid bearer token is required.');
  return caller.userId;
}

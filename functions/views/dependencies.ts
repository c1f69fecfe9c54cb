import { DynamoDbOrderHistory } from '../../domains/views/adapters/dynamodb-order-history.js';
import { dynamoDb } from '../../shared/aws/clients.js';
import { requiredEnv } from '../../shared/config.js';

/** The views' composition root: adapters are built once per execution environment, on first use. */
let history: DynamoDbOrderHistory | undefined;

export function orderHistory(): DynamoDbOrderHistory {
  history ??= new DynamoDbOrderHistory(dynamoDb(), requiredEnv('VIEWS_TABLE_NAME'));
  return history;
}

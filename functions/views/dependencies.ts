// The views' composition root: adapters are built once per execution environment, on first use.
import { DynamoDbOrderHistory } from '../../domains/views/adapters/dynamodb-order-history.js';
import { dynamoDb } from '../../shared/aws/clients.js';
import { requiredEnv } from '../../shared/config.js';
import { onFirstUse } from '../../shared/lazy.js';

export const orderHistory = /* @__PURE__ */ onFirstUse(
  (): DynamoDbOrderHistory => new DynamoDbOrderHistory(dynamoDb(), requiredEnv('VIEWS_TABLE_NAME')),
);

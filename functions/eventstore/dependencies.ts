// The event store's composition root: the adapter is built once per execution environment, on first use.
import { DynamoDbEventStore } from '../../domains/eventstore/adapters/dynamodb-event-store.js';
import { dynamoDb } from '../../shared/aws/clients.js';
import { requiredEnv } from '../../shared/config.js';
import { onFirstUse } from '../../shared/lazy.js';

export const eventStore = /* @__PURE__ */ onFirstUse(
  (): DynamoDbEventStore => new DynamoDbEventStore(dynamoDb(), requiredEnv('EVENT_STORE_TABLE_NAME')),
);

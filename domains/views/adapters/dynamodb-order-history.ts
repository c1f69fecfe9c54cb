import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { newestFirstPage, type TimeSortedIndex } from '../../../shared/dynamodb/cursor.js';
import { OrderHistoryConflict, type ProjectedOrder } from '../model.js';
import type { OrderHistory, OrderHistoryPage } from '../ports.js';

/** A customer's entries by `createdAtOrderId`: newest first, orders placed in the same instant by id. */
export const CUSTOMER_INDEX = 'byCustomer';
const ORDER_PREFIX = 'ORDER#';
const ENTRY = 'ORDER';

const keyOf = (orderId: string) => ({ pk: `${ORDER_PREFIX}${orderId}`, sk: ENTRY });
const sortKeyOf = (createdAt: string, orderId: string) => `${createdAt}#${orderId}`;

function toItem(order: ProjectedOrder) {
  return {
    ...keyOf(order.orderId),
    entityType: ENTRY,
    ...order,
    createdAtOrderId: sortKeyOf(order.createdAt, order.orderId),
  };
}

function toOrder(item: Record<string, unknown>): ProjectedOrder {
  const { pk: _pk, sk: _sk, entityType: _type, createdAtOrderId: _sort, ...order } = item;
  return order as unknown as ProjectedOrder;
}

const isCanonicalTimestamp = (value: string) => {
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
};

/** Only a key of this customer's listing that this adapter could have produced reaches DynamoDB. */
function listKeyAcceptor(customerId: string) {
  return (key: Record<string, unknown> | null) => {
    const orderId = typeof key?.pk === 'string' ? key.pk.slice(ORDER_PREFIX.length) : '';
    const createdAt =
      typeof key?.createdAtOrderId === 'string' ? key.createdAtOrderId.slice(0, -`#${orderId}`.length) : '';
    if (
      key &&
      orderId &&
      key.pk === keyOf(orderId).pk &&
      key.sk === ENTRY &&
      key.customerId === customerId &&
      isCanonicalTimestamp(createdAt) &&
      key.createdAtOrderId === sortKeyOf(createdAt, orderId)
    ) {
      return { pk: key.pk, sk: ENTRY, customerId, createdAtOrderId: key.createdAtOrderId };
    }
    return undefined;
  };
}

const customerIndex: TimeSortedIndex<ProjectedOrder> = {
  indexName: CUSTOMER_INDEX,
  partitionKey: 'customerId',
  acceptFor: listKeyAcceptor,
  toItem: toOrder,
};

/** The order history lives in the views table, one item per order, listed through a per-customer GSI. */
export class DynamoDbOrderHistory implements OrderHistory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<ProjectedOrder | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keyOf(orderId), ConsistentRead: true }),
    );
    return Item ? toOrder(Item) : undefined;
  }

  async save(next: ProjectedOrder, expectedRevision: number | undefined): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(next),
          ...(expectedRevision === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#revision = :expected',
                ExpressionAttributeNames: { '#revision': 'revision' },
                ExpressionAttributeValues: { ':expected': expectedRevision },
              }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new OrderHistoryConflict(`The history entry of order ${next.orderId} changed concurrently.`);
      }
      throw error;
    }
  }

  listByCustomer(customerId: string, page: { limit: number; cursor?: string }): Promise<OrderHistoryPage> {
    return newestFirstPage(this.client, this.tableName, customerIndex, customerId, page);
  }
}

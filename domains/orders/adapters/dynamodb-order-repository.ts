import { GetCommand, QueryCommand, type TransactWritePut } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../../../events/envelope.js';
import { AggregateRepository } from '../../../shared/dynamodb/aggregate-repository.js';
import { failedConditions, sendWithEvents } from '../../../shared/outbox/transaction.js';
import { IdempotencyKeyTaken, type Order, OrderVersionConflict } from '../model.js';
import type { IdempotencyRecord, OrderRepository } from '../ports.js';

/** Sparse index: only PENDING orders carry `pendingStatus` and `pendingSince`. */
export const PENDING_INDEX = 'pendingOrders';
const ORDER = 'ORDER';
const IDEMPOTENCY = 'IDEMPOTENCY';
const PENDING = 'PENDING';
const IS_NEW = 'attribute_not_exists(pk)';
/** A retry with the same Idempotency-Key returns the same order for a week, as long as outbox records live. */
const IDEMPOTENCY_RETENTION_SECONDS = 7 * 24 * 3600;

const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: ORDER });
const idempotencyKey = (customerId: string, key: string) => ({
  pk: `IDEMPOTENCY#${customerId}#${key}`,
  sk: IDEMPOTENCY,
});

function toItem(order: Order) {
  return {
    ...orderKey(order.orderId),
    entityType: ORDER,
    ...order,
    ...(order.status === PENDING ? { pendingStatus: PENDING, pendingSince: order.createdAt } : {}),
  };
}

function toOrder(item: Record<string, unknown>): Order {
  const { pk: _pk, sk: _sk, entityType: _type, pendingStatus: _s, pendingSince: _p, ...order } = item;
  return order as unknown as Order;
}

/** Orders, their idempotency keys, the price projection and the outbox share the orders table. */
export class DynamoDbOrderRepository extends AggregateRepository<Order> implements OrderRepository {
  protected readonly item = { keyOf: orderKey, toAggregate: toOrder };

  async findIdempotencyRecord(customerId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: idempotencyKey(customerId, key),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return { customerId, key, requestHash: String(Item.requestHash), orderId: String(Item.orderId) };
  }

  async place(order: Order, record: IdempotencyRecord, events: EventEnvelope[]): Promise<void> {
    const idempotencyItem = {
      ...idempotencyKey(record.customerId, record.key),
      entityType: IDEMPOTENCY,
      requestHash: record.requestHash,
      orderId: record.orderId,
      expiresAt: Math.floor(Date.parse(order.createdAt) / 1000) + IDEMPOTENCY_RETENTION_SECONDS,
    };
    await this.writeWithEvents(
      [
        { Item: toItem(order), ConditionExpression: IS_NEW },
        { Item: idempotencyItem, ConditionExpression: IS_NEW },
      ],
      events,
      (index) =>
        index === 1
          ? new IdempotencyKeyTaken(`Idempotency-Key ${record.key} is already recorded.`)
          : undefined,
    );
  }

  async save(next: Order, expectedVersion: number, events: EventEnvelope[]): Promise<void> {
    await this.writeWithEvents(
      [
        {
          Item: toItem(next),
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': expectedVersion },
        },
      ],
      events,
      (index) =>
        index === 0 ? new OrderVersionConflict(`Order ${next.orderId} changed concurrently.`) : undefined,
    );
  }

  /**
   * Conditional puts and their outbox records in ONE transaction (sent again after a transaction
   * conflict). A put whose condition failed is turned into the domain error `conflictAt` names for it;
   * any other failure is rethrown as it is.
   */
  private async writeWithEvents(
    puts: Array<Omit<TransactWritePut, 'TableName'>>,
    events: EventEnvelope[],
    conflictAt: (index: number) => Error | undefined,
  ): Promise<void> {
    try {
      await sendWithEvents(
        this.client,
        this.outbox,
        [...puts.map((put) => ({ Put: { TableName: this.tableName, ...put } }))],
        events,
      );
    } catch (error) {
      // The first put whose condition failed (the caller re-reads and decides again). A transaction
      // conflict never gets here: `sendWithEvents` sends the transaction again.
      const [index] = failedConditions(error);
      throw (index === undefined ? undefined : conflictAt(index)) ?? error;
    }
  }

  async pendingSince(before: Date, limit: number): Promise<string[]> {
    const orderIds: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: PENDING_INDEX,
          KeyConditionExpression: 'pendingStatus = :pending AND pendingSince <= :before',
          ExpressionAttributeValues: { ':pending': PENDING, ':before': before.toISOString() },
          ProjectionExpression: 'orderId',
          Limit: limit - orderIds.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) orderIds.push(String(item.orderId));
      startKey = page.LastEvaluatedKey;
    } while (startKey && orderIds.length < limit);
    return orderIds;
  }
}

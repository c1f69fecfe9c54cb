import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../../../events/envelope.js';
import { AggregateRepository } from '../../../shared/dynamodb/aggregate-repository.js';
import { failedConditions, sendWithEvents } from '../../../shared/outbox/transaction.js';
import { owedOperation, type Payment, PaymentVersionConflict } from '../model.js';
import type { PaymentRepository, PendingPage } from '../ports.js';

/** Sparse index: only payments owing the provider an operation carry its key attributes. */
export const PENDING_INDEX = 'byPendingSince';
const PENDING_PARTITION = 'PENDING';
const ENTITY_TYPE = 'PAYMENT';

interface PaymentItem extends Payment {
  pk: string;
  sk: string;
  entityType: typeof ENTITY_TYPE;
  pendingPartition?: typeof PENDING_PARTITION;
}

const keyOf = (orderId: string) => ({ pk: `PAYMENT#${orderId}`, sk: ENTITY_TYPE });

function toItem(payment: Payment): PaymentItem {
  const waiting = owedOperation(payment) !== undefined && payment.pendingSince !== undefined;
  return {
    ...keyOf(payment.orderId),
    entityType: ENTITY_TYPE,
    ...payment,
    ...(waiting ? { pendingPartition: PENDING_PARTITION } : { pendingSince: undefined }),
  };
}

function toPayment(item: Record<string, unknown>): Payment {
  const {
    pk: _pk,
    sk: _sk,
    entityType: _type,
    pendingPartition: _pending,
    ...payment
  } = item as unknown as PaymentItem;
  return payment;
}

const encodeCursor = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : null;

const decodeCursor = (cursor: string | undefined) =>
  cursor
    ? (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>)
    : undefined;

/** One item per order (its payment) and the outbox, in the payments domain's own table. */
export class DynamoDbPaymentRepository extends AggregateRepository<Payment> implements PaymentRepository {
  protected readonly item = { keyOf, toAggregate: toPayment };

  async save(payment: Payment, expectedVersion: number | undefined, events: EventEnvelope[]): Promise<void> {
    const condition =
      expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'version = :expected',
            ExpressionAttributeValues: { ':expected': expectedVersion },
          };
    try {
      await sendWithEvents(
        this.client,
        this.outbox,
        [{ Put: { TableName: this.tableName, Item: toItem(payment), ...condition } }],
        events,
      );
    } catch (error) {
      if (failedConditions(error).includes(0)) throw new PaymentVersionConflict(payment.orderId);
      throw error;
    }
  }

  async listPending(page: { limit: number; cursor?: string }): Promise<PendingPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: PENDING_INDEX,
        KeyConditionExpression: 'pendingPartition = :pending',
        ExpressionAttributeValues: { ':pending': PENDING_PARTITION },
        ProjectionExpression: 'orderId',
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor),
      }),
    );
    return {
      orderIds: (result.Items ?? []).map((item) => String(item.orderId)),
      nextCursor: encodeCursor(result.LastEvaluatedKey),
    };
  }
}

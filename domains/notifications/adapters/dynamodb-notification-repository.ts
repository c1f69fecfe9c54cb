import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from '../../../events/zod.js';
import { newestFirstPage, type TimeSortedIndex } from '../../../shared/dynamodb/cursor.js';
import type { Notification } from '../model.js';
import type { NotificationPage, NotificationRepository } from '../ports.js';

/** A customer's notifications by creation time; only notification items carry `createdAt`. */
export const CUSTOMER_INDEX = 'byCustomer';
const NOTIFICATION = 'NOTIFICATION';

/** Set on a `recorded` notification whose send the provider deferred: the next redelivery may claim it. */
const RELEASED = 'releasedForRetry';

const keyOf = (notificationId: string) => ({ pk: `${NOTIFICATION}#${notificationId}`, sk: NOTIFICATION });

function toNotification(item: Record<string, unknown>): Notification {
  const { pk: _pk, sk: _sk, entityType: _type, [RELEASED]: _released, ...notification } = item;
  return notification as unknown as Notification;
}

/** The only keys a page of this index can end at: a cursor is one of them, for the customer asked about. */
const cursorKeySchema = z.strictObject({
  pk: z.string().check(z.startsWith(`${NOTIFICATION}#`)),
  sk: z.literal(NOTIFICATION),
  customerId: z.string(),
  createdAt: z.string(),
});

function listKeyAcceptor(customerId: string) {
  return (key: unknown) => {
    const parsed = cursorKeySchema.safeParse(key);
    return parsed.success && parsed.data.customerId === customerId ? parsed.data : undefined;
  };
}

const customerIndex: TimeSortedIndex<Notification> = {
  indexName: CUSTOMER_INDEX,
  partitionKey: 'customerId',
  acceptFor: listKeyAcceptor,
  toItem: toNotification,
};

/** Notifications share the notifications table with the contact projection. */
export class DynamoDbNotificationRepository implements NotificationRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(notification: Notification): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keyOf(notification.notificationId), entityType: NOTIFICATION, ...notification },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async settle(
    notificationId: string,
    outcome: {
      status: 'sent' | 'failed';
      at: string;
      failureReason?: string;
      providerMessageId?: string;
    },
  ): Promise<void> {
    const { status, at, failureReason, providerMessageId } = outcome;
    const optional = Object.entries({ failureReason, providerMessageId }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    );
    const assignments = [
      '#status = :status',
      'updatedAt = :at',
      ...optional.map(([name]) => `${name} = :${name}`),
    ];
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(notificationId),
        UpdateExpression: `SET ${assignments.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':at': at,
          ...Object.fromEntries(optional.map(([name, value]) => [`:${name}`, value])),
        },
      }),
    );
  }

  async releaseForRetry(notificationId: string, at: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keyOf(notificationId),
        UpdateExpression: `SET ${RELEASED} = :yes, updatedAt = :at`,
        ConditionExpression: '#status = :recorded',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':yes': true, ':at': at, ':recorded': 'recorded' },
      }),
    );
  }

  async claimForRetry(notificationId: string, at: string): Promise<Notification | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyOf(notificationId),
          UpdateExpression: `REMOVE ${RELEASED} SET updatedAt = :at`,
          // Only one redelivery removes the mark: concurrent ones fail this condition and send nothing.
          ConditionExpression: `${RELEASED} = :yes AND #status = :recorded`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':yes': true, ':at': at, ':recorded': 'recorded' },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toNotification(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  listByCustomer(customerId: string, page: { limit: number; cursor?: string }): Promise<NotificationPage> {
    return newestFirstPage(this.client, this.tableName, customerIndex, customerId, page);
  }
}
